namespace CallControl.Billing.Tests;
public class SmokeTests { [Xunit.Fact] public void Builds() { } }
