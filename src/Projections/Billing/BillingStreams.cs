namespace CallControl.Projections.Billing;

/// <summary>
/// Stream keys of the billing events (docs/decisions.md, "Billing"):
/// <c>account:&lt;accountId&gt;</c> (opened, top-ups, adjustments, reservations, charges, re-ratings, invoices and notes),
/// <c>tariff:&lt;planId&gt;</c> (one <c>TariffPlanImported</c> per plan version),
/// <c>ratingprofile:&lt;accountId&gt;</c> (<c>RatingProfileAssigned</c>; <c>*any</c> is the default profile).
/// <c>CallRated</c> goes on the call's own stream. The account that pays for a call is the tenant of the caller's PBX.
/// </summary>
public static class BillingStreams
{
    public static string Account(string accountId) => $"account:{accountId}";
    public static string Tariff(string planId) => $"tariff:{planId}";
    public static string RatingProfile(string accountId) => $"ratingprofile:{accountId}";
}
