using System.Globalization;
using System.Text;

namespace CallControl.Billing.Rating;

/// <summary>Plain-text rendering of a rating for the CLI (<c>callcontrol rate ...</c>) and logs.</summary>
public static class RatingReport
{
    public static string Describe(RatingResult result)
    {
        switch (result)
        {
            case NoRate noRate:
                return $"refused: {noRate.Reason}: {noRate.Detail}";
            case RatedCall call:
                var sb = new StringBuilder();
                var c = CultureInfo.InvariantCulture;
                sb.Append(c, $"{call.AccountId} -> {call.Destination} at {call.Start}, {call.Duration.TotalSeconds.ToString(c)}s: ")
                  .Append(c, $"{call.Total.ToString(c)} {call.Currency}")
                  .Append(c, $" (plan {call.PlanId} v{call.PlanVersion}, {call.DestinationId} prefix {call.MatchedPrefix})")
                  .Append(call.MaxCostReached ? ", max cost reached" : "")
                  .Append('\n');
                foreach (var p in call.Parts)
                {
                    sb.Append(c, $"  {p.Start} {p.TimingId}/{p.DestinationRateId}: {p.Actual.TotalSeconds.ToString(c)}s real, ")
                      .Append(c, $"{p.Increments} x {p.Increment.TotalSeconds.ToString(c)}s = {p.Billed.TotalSeconds.ToString(c)}s billed ")
                      .Append(c, $"at {p.UnitPrice.ToString(c)}/{p.Unit.TotalSeconds.ToString(c)}s")
                      .Append(c, $" = {p.UnroundedCost.ToString("0.##########", c)} -> {p.UsageCost.ToString(c)} ({p.Rounding.Method} {p.Rounding.Decimals})")
                      .Append(p.ConnectFee != 0 ? $" + connect {p.ConnectFee.ToString(c)}" : "")
                      .Append(p.MaxCostApplied ? " capped" : "")
                      .Append(c, $" = {p.Cost.ToString(c)}\n");
                }
                return sb.ToString();
            default:
                return result.ToString() ?? "";
        }
    }
}
