using CallControl.Host.Billing;
using CallControl.Provisioning;
using Microsoft.AspNetCore.Http;
using Wolverine.Http;

namespace CallControl.Host.Api;

/// <summary>Issue a card over HTTP. <c>pin</c> null: one is generated and returned once. <c>expires</c>: a date (the card
/// works through that UTC day) or an ISO instant.</summary>
public sealed record IssueCardRequest(string Expires, string? Id = null, string? Pin = null, int MaxSimultaneous = 1, decimal Balance = 0m,
    string Currency = "EUR");

/// <summary>A top-up or an adjustment (signed) with its cause.</summary>
public sealed record CardAmountRequest(decimal Amount, string? Reason);

public sealed record CardBlockRequest(string? Reason);

/// <summary>HTTP API for calling cards (README, "Calling cards"). Bad input: 400 problem document naming the field.</summary>
public static class CardEndpoints
{
    [WolverineGet("/api/cards")]
    public static async Task<IResult> List(CardAdmin cards, HttpContext context) =>
        Results.Json(await cards.ListAsync(context.RequestAborted), BillingText.Json);

    /// <summary><c>GET /api/cards/{card}</c>: balance, state and history (every event with its cause).</summary>
    [WolverineGet("/api/cards/{card}")]
    public static async Task<IResult> Show(string card, CardAdmin cards, HttpContext context) =>
        await cards.ShowAsync(card, context.RequestAborted) is { } view
            ? Results.Json(view, BillingText.Json)
            : Results.Problem(statusCode: 404, title: "Unknown card", detail: $"No calling card '{card}'");

    /// <summary><c>POST /api/cards</c>: answers with the card; the PIN only when it was generated (shown once).</summary>
    [WolverinePost("/api/cards")]
    public static Task<IResult> Issue(IssueCardRequest body, CardAdmin cards, LiveBilling billing, HttpContext context) =>
        Run(billing, context, "Bad card", async ct =>
        {
            if (CardText.ParseExpiry(body.Expires) is not { } expires)
                throw new CardInputException("expires", $"'{body.Expires}' is not a date such as 2027-12-31 or an ISO instant");
            var card = await cards.IssueAsync(body.Id, body.Pin, expires, body.MaxSimultaneous, body.Balance, body.Currency, ct);
            return new
            {
                card = card.CardId, pin = card.PinGenerated ? card.Pin : null, expiresAt = card.ExpiresAt,
                maxSimultaneous = card.MaxSimultaneousUses, balance = card.Balance, currency = card.Currency,
            };
        });

    [WolverinePost("/api/cards/{card}/topups")]
    public static Task<IResult> TopUp(string card, CardAmountRequest body, CardAdmin cards, LiveBilling billing, HttpContext context) =>
        Run(billing, context, "Bad top-up", async ct =>
        {
            var e = await cards.TopUpAsync(card, body.Amount, body.Reason, ct);
            return new { card, e.Amount, reason = e.Reference };
        }, card);

    [WolverinePost("/api/cards/{card}/adjustments")]
    public static Task<IResult> Adjust(string card, CardAmountRequest body, CardAdmin cards, LiveBilling billing, HttpContext context) =>
        Run(billing, context, "Bad adjustment", async ct =>
        {
            await cards.AdjustAsync(card, body.Amount, body.Reason ?? "", ct);
            return new { card, body.Amount, body.Reason };
        }, card);

    [WolverinePost("/api/cards/{card}/block")]
    public static Task<IResult> Block(string card, CardBlockRequest body, CardAdmin cards, LiveBilling billing, HttpContext context) =>
        Run(billing, context, "Bad block", async ct => new { card, changed = (await cards.BlockAsync(card, body.Reason ?? "", ct)).Count > 0 }, card);

    [WolverinePost("/api/cards/{card}/unblock")]
    public static Task<IResult> Unblock(string card, CardAdmin cards, LiveBilling billing, HttpContext context) =>
        Run(billing, context, "Bad unblock", async ct => new { card, changed = (await cards.UnblockAsync(card, ct)).Count > 0 }, card);

    /// <summary>Runs a change, refreshes the live billing state (the controller decides the next call on it at once) and
    /// answers with the result and the card's balance.</summary>
    private static async Task<IResult> Run<T>(LiveBilling billing, HttpContext context, string title, Func<CancellationToken, Task<T>> change, string? card = null)
    {
        try
        {
            var result = await change(context.RequestAborted);
            await billing.RefreshAsync(context.RequestAborted);
            return Results.Json(new { result, balance = card is null ? null : billing.Account(card)?.Balance }, BillingText.Json);
        }
        catch (CardInputException ex)
        {
            return Problems.BadRequest(title, [new ProvisioningError(ex.Field, ex.Message)]);
        }
    }
}
