using CallControl.Host.Billing;
using CallControl.Provisioning;
using Microsoft.AspNetCore.Http;
using Wolverine.Http;

namespace CallControl.Host.Api;

/// <summary>Body of <c>POST /api/card-locks/unlock</c>.</summary>
public sealed record UnlockCardSourceRequest(string? Source, string? Reason, string? By = null);

/// <summary>
/// Wrong-PIN locks of calling-card sources on the running controller (README, "Calling cards"). Not under
/// <c>/api/cards/...</c>: a card may be called <c>locks</c>.
/// </summary>
public static class CardLockEndpoints
{
    /// <summary><c>GET /api/card-locks</c>: the rules, and every source locked now or with wrong PINs in its window.</summary>
    [WolverineGet("/api/card-locks")]
    public static IResult Locks(CardLockouts lockouts)
    {
        var o = lockouts.Book.Options;
        return Results.Json(new
        {
            rules = new
            {
                caller = new { maxFailures = o.Caller.MaxFailures, windowSeconds = o.Caller.Window.TotalSeconds, lockSeconds = o.Caller.LockFor.TotalSeconds },
                trunk = new { maxFailures = o.Trunk.MaxFailures, windowSeconds = o.Trunk.Window.TotalSeconds, lockSeconds = o.Trunk.LockFor.TotalSeconds },
            },
            sources = lockouts.Sources(),
        }, BillingText.Json);
    }

    /// <summary><c>POST /api/card-locks/unlock</c> <c>{"source": "pbx:acme-hq/1001", "reason": "...", "by"?: "alice"}</c>:
    /// lifts the lock (<c>CardSourceUnlocked</c>). 404 when that source is not locked; 400 without source or reason.</summary>
    [WolverinePost("/api/card-locks/unlock")]
    public static async Task<IResult> Unlock(UnlockCardSourceRequest body, CardLockouts lockouts, HttpContext context)
    {
        var errors = new List<ProvisioningError>();
        var source = Printable(body.Source);
        var reason = Printable(body.Reason);
        if (source.Length == 0) errors.Add(new ProvisioningError("source", "name the source, e.g. pbx:acme-hq/1001 or gateway:gw-a (see GET /api/card-locks)"));
        if (reason.Length == 0) errors.Add(new ProvisioningError("reason", "say why the lock is lifted"));
        if (errors.Count > 0) return Problems.BadRequest("Bad unlock", errors);

        var by = Printable(body.By) is { Length: > 0 } who ? who : "operator";
        var unlocked = await lockouts.UnlockAsync(source, by, reason, context.RequestAborted);
        return unlocked is null
            ? Results.Problem(statusCode: 404, title: "Not locked", detail: $"source '{source}' is not locked")
            : Results.Json(new { source = unlocked.Source, by = unlocked.By, reason = unlocked.Reason, at = unlocked.At }, BillingText.Json);
    }

    /// <summary>One printable line of at most 200 characters: it ends up in an event and in logs.</summary>
    private static string Printable(string? text)
    {
        var clean = new string((text ?? "").Where(c => !char.IsControl(c)).ToArray()).Trim();
        return clean.Length > 200 ? clean[..200] : clean;
    }
}
