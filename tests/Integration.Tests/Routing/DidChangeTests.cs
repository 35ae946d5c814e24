using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CallControl.Host.Cli;
using CallControl.Projections.Cdrs;
using CallControl.Provisioning;
using CallControl.Tests.Infrastructure;
using Marten;
using NodaTime;
using NodaTime.Text;
using Shouldly;

namespace CallControl.Tests.Routing;

public sealed class DidChangeFixture : RoutingFixture;

/// <summary>
/// Single DID changes on a running controller: <c>PUT/DELETE /api/provisioning/dids/{range}</c> and
/// <c>callcontrol dids assign|unassign</c>. Good changes are events on the DID's stream with a
/// <c>ProvisioningChangeApplied</c> on the log, the next call follows them, a call in progress keeps its route;
/// bad ones get a problem document (CLI: exit 2) and change nothing.
/// </summary>
public sealed class DidChangeTests(DidChangeFixture f) : IClassFixture<DidChangeFixture>
{
    private HttpClient Http() => new() { BaseAddress = new Uri(f.HttpUrl) };

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Iso(Instant instant) => InstantPattern.ExtendedIso.Format(instant);

    private async Task<IReadOnlyList<object>> StreamAsync(string key)
    {
        await using var session = f.Store.QuerySession();
        return (await session.Events.FetchStreamAsync(key)).Select(e => e.Data).ToList();
    }

    private async Task<string?> RoutedToAsync(HttpClient http, string number, Instant? at = null)
    {
        var route = await http.GetFromJsonAsync<JsonElement>($"/api/route?from=acme-hq&number={Uri.EscapeDataString(number)}" + (at is { } t ? $"&at={Iso(t)}" : ""));
        return route.GetProperty("outcome").GetString() == "routed" ? route.GetProperty("targets")[0].GetString()!.Split(' ')[0] : route.GetProperty("outcome").GetString();
    }

    [Fact]
    public async Task Put_assigns_and_moves_a_number_and_delete_unassigns_it_each_as_events_seen_as_of_their_instant()
    {
        using var http = Http();
        var before = f.Now;
        var put = await http.PutAsync("/api/provisioning/dids/+31205550500", Json("""{ "pbx": "globex-main" }"""));
        put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("changes").GetInt32().ShouldBe(1);
        var assigned = f.Now;
        (await RoutedToAsync(http, "+31205550500")).ShouldBe("pbx:globex-main");

        // The same PUT again changes nothing; a dry run shows the move without making it.
        (await (await http.PutAsync("/api/provisioning/dids/+31205550500", Json("""{ "pbx": "globex-main" }""")))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("changes").GetInt32().ShouldBe(0);
        (await (await http.PutAsync("/api/provisioning/dids/+31205550500?dryRun", Json("""{ "pbx": "acme-hq" }""")))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("changes").GetInt32().ShouldBe(2);
        (await RoutedToAsync(http, "+31205550500")).ShouldBe("pbx:globex-main");

        (await http.PutAsync("/api/provisioning/dids/+31205550500", Json("""{ "pbx": "acme-hq" }"""))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var moved = f.Now;
        (await RoutedToAsync(http, "+31205550500")).ShouldBe("pbx:acme-hq");

        (await http.DeleteAsync("/api/provisioning/dids/+31205550500")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await RoutedToAsync(http, "+31205550500")).ShouldNotStartWith("pbx:");

        // Auditors see each change at its instant.
        (await RoutedToAsync(http, "+31205550500", before)).ShouldNotStartWith("pbx:");
        (await RoutedToAsync(http, "+31205550500", assigned)).ShouldBe("pbx:globex-main");
        (await RoutedToAsync(http, "+31205550500", moved)).ShouldBe("pbx:acme-hq");
        (await StreamAsync(ProvisioningStreams.DidRange("+31205550500"))).Select(e => e.GetType().Name).ShouldBe([
            nameof(DidRangeAssigned), nameof(DidRangeReleased), nameof(DidRangeAssigned), nameof(DidRangeReleased)]);
        (await StreamAsync(ProvisioningStreams.Log)).OfType<ProvisioningChangeApplied>().Select(e => e.Change).Where(c => c.Contains("+31205550500")).ShouldBe([
            "dids assign +31205550500 --pbx globex-main", "dids assign +31205550500 --pbx acme-hq", "dids unassign +31205550500"]);

        // A range is addressed by its id, first..last.
        var range = await http.PutAsync("/api/provisioning/dids/+31205550600..+31205550649", Json("""{ "pbx": "globex-main" }"""));
        range.StatusCode.ShouldBe(HttpStatusCode.OK, await range.Content.ReadAsStringAsync());
        (await RoutedToAsync(http, "+31205550625")).ShouldBe("pbx:globex-main");
        (await http.DeleteAsync("/api/provisioning/dids/+31205550600..+31205550649")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("+31205550150", """{ "pbx": "globex-main" }""", "number", "overlaps +31205550100..+31205550199 (PBX 'acme-hq' of tenant 'acme')")]
    [InlineData("+31205550700", """{ "pbx": "nope" }""", "pbx", "PBX 'nope' is not provisioned")]
    [InlineData("+31205550700", """{ }""", "pbx", "names no PBX")]
    [InlineData("0205550700", """{ "pbx": "acme-hq" }""", "number", "is not an E.164 number")]
    [InlineData("+31205550799..+31205550700", """{ "pbx": "acme-hq" }""", "number", "is below first")]
    [InlineData("+31205550177", """{ "pbx": "globex-main" }""", "number", "overlaps")]
    [InlineData("+31205550700", """{ "pbx": "acme-hq", "tenant": "x" }""", "$", "tenant")]
    [InlineData("+31205550700", """{ "pbx": """, "$", "")]
    public async Task A_bad_change_gets_a_problem_document_naming_the_field_and_changes_nothing(string range, string body, string field, string message)
    {
        using var http = Http();
        var before = await http.GetFromJsonAsync<JsonElement>("/api/provisioning");
        var response = await http.PutAsync($"/api/provisioning/dids/{range}", Json(body));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0];
        error.GetProperty("field").GetString()!.ShouldStartWith(field);
        error.GetProperty("message").GetString()!.ShouldContain(message);
        (await http.GetFromJsonAsync<JsonElement>("/api/provisioning")).GetProperty("sequence").GetInt64()
            .ShouldBe(before.GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task Unassigning_a_number_that_is_not_an_assigned_range_is_a_404_naming_the_range_it_is_part_of()
    {
        using var http = Http();
        var response = await http.DeleteAsync("/api/provisioning/dids/+31205550250");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).ShouldContain("part of +31205550200..+31205550299");
    }

    [Fact]
    public async Task The_cli_assigns_through_the_controller_and_exits_2_on_a_refused_change()
    {
        (await CliApp.RunAsync(["dids", "assign", "+31205550800-+31205550809", "--pbx", "globex-main", "--http", f.HttpUrl])).ShouldBe(0);
        using var http = Http();
        (await RoutedToAsync(http, "+31205550805")).ShouldBe("pbx:globex-main");
        (await CliApp.RunAsync(["dids", "assign", "+31205550800..+31205550809", "--pbx", "globex-main", "--http", f.HttpUrl])).ShouldBe(0); // nothing to do

        (await CliApp.RunAsync(["dids", "assign", "+31205550805", "--pbx", "acme-hq", "--http", f.HttpUrl])).ShouldBe(2);   // overlap
        (await CliApp.RunAsync(["dids", "assign", "+31205550810", "--pbx", "nope", "--http", f.HttpUrl])).ShouldBe(2);      // unknown PBX
        (await CliApp.RunAsync(["dids", "assign", "31205550810", "--pbx", "acme-hq", "--http", f.HttpUrl])).ShouldBe(2);    // malformed
        (await CliApp.RunAsync(["dids", "assign", "+31205550810", "--http", f.HttpUrl])).ShouldBe(2);                       // no --pbx
        (await CliApp.RunAsync(["dids", "unassign", "+31205550805", "--http", f.HttpUrl])).ShouldBe(2);                     // part of a range
        (await CliApp.RunAsync(["dids", "unassign", "+31205550800..+31205550809", "--http", f.HttpUrl])).ShouldBe(0);
        (await RoutedToAsync(http, "+31205550805")).ShouldNotStartWith("pbx:");
        (await CliApp.RunAsync(["dids", "unassign", "+31205550800", "--http", $"http://127.0.0.1:{FreePort.Tcp(IPAddress.Loopback)}"])).ShouldBe(2); // nobody there
    }

    [Fact]
    public async Task After_dids_assign_the_next_call_goes_to_the_new_pbx_while_the_call_in_progress_stays_up()
    {
        (await CliApp.RunAsync(["dids", "assign", "+31205550400", "--pbx", "globex-main", "--http", f.HttpUrl])).ShouldBe(0);

        await using var globex = await Sipp.StartServerAsync("uas-answer.xml", RoutingFixture.Globex, f.GlobexPort);
        var firstPort = FreePort.Udp(RoutingFixture.Acme);
        await using var first = Sipp.StartClient("uac-call-hold.xml", RoutingFixture.Acme, firstPort, f.SipEndpoint, "0205550400",
            replace: new Dictionary<string, string> { ["HOLD_MS"] = "3000" });
        var answered = await Eventually.Until(() => f.CdrFromAsync(RoutingFixture.Acme, firstPort), c => c?.AnsweredAt is not null, timeoutMs: 30_000);
        answered!.TargetId.ShouldBe("globex-main");

        // Reassigned while the first call is up: the command returns once the controller's routing table has the change.
        (await CliApp.RunAsync(["dids", "assign", "+31205550400", "--pbx", "initech-pbx", "--http", f.HttpUrl])).ShouldBe(0);
        (await f.CdrFromAsync(RoutingFixture.Acme, firstPort))!.EndedAt.ShouldBeNull();

        await using var initech = await Sipp.StartServerAsync("uas-answer.xml", RoutingFixture.Initech, f.InitechPort);
        var secondPort = FreePort.Udp(RoutingFixture.Acme);
        await using var second = Sipp.StartClient("uac-call.xml", RoutingFixture.Acme, secondPort, f.SipEndpoint, "0205550400");
        var secondResult = await second.WaitAsync();
        secondResult.AllCallsSucceeded.ShouldBeTrue(secondResult.ToString());
        (await f.FinalCdrFromAsync(RoutingFixture.Acme, secondPort, CdrDispositions.Answered)).TargetId.ShouldBe("initech-pbx");
        (await initech.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();

        var firstResult = await first.WaitAsync();
        firstResult.AllCallsSucceeded.ShouldBeTrue(firstResult.ToString());
        (await globex.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();
        var firstCdr = await f.FinalCdrFromAsync(RoutingFixture.Acme, firstPort, CdrDispositions.Answered);
        (firstCdr.TargetId, firstCdr.EndedBy).ShouldBe(("globex-main", "caller"));
    }
}
