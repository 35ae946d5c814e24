using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CallControl.Host.Cli;
using CallControl.Tests.Infrastructure;
using Shouldly;

namespace CallControl.Tests.Api;

/// <summary>The HTTP API and the CLI on a running controller: good input changes state, bad input gets a
/// clear error (HTTP 400 problem document naming the field, CLI exit code 2) and changes nothing.</summary>
public sealed class ProvisioningApiTests(ControllerFixture controller) : IClassFixture<ControllerFixture>
{
    private HttpClient Http() => new() { BaseAddress = new Uri(controller.HttpUrl) };

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_malformed_document_gets_a_problem_document_naming_where_it_broke()
    {
        using var http = Http();
        var response = await http.PutAsync("/api/provisioning", Json("""{ "tenants": [ { "id": "acme", "pbxs": [ """));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("title").GetString().ShouldBe("Malformed provisioning document");
        problem.GetProperty("errors")[0].GetProperty("field").GetString()!.ShouldStartWith("$.tenants[0]");
    }

    [Fact]
    public async Task An_invalid_document_is_refused_with_every_bad_field_and_changes_nothing()
    {
        using var http = Http();
        var before = await http.GetFromJsonAsync<JsonElement>("/api/provisioning");
        var response = await http.PutAsync("/api/provisioning", Json("""
            { "tenants": [ { "id": "Bad Id", "pbxs": [ { "id": "p1", "addresses": ["10.0.0.300"], "port": 70000 } ],
                             "dids": [ { "first": "0201234567", "pbx": "nope" } ] } ] }
            """));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var fields = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        fields.ShouldContain("tenants[0].id");
        fields.ShouldContain("tenants[0].pbxs[0].addresses[0]");
        fields.ShouldContain("tenants[0].pbxs[0].port");
        fields.ShouldContain("tenants[0].dids[0].first");
        fields.ShouldContain("tenants[0].dids[0].pbx");

        var after = await http.GetFromJsonAsync<JsonElement>("/api/provisioning");
        after.GetProperty("sequence").GetInt64().ShouldBe(before.GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task Provisioning_state_and_routes_can_be_asked_as_of_an_instant()
    {
        using var http = Http();
        var now = await http.GetFromJsonAsync<JsonElement>("/api/provisioning");
        now.GetProperty("pbxs").TryGetProperty("acme-hq", out _).ShouldBeTrue();

        var past = await http.GetFromJsonAsync<JsonElement>("/api/provisioning?at=2000-01-01T00:00:00Z");
        past.GetProperty("pbxs").EnumerateObject().ShouldBeEmpty();

        var route = await http.GetFromJsonAsync<JsonElement>("/api/route?from=acme-hq&number=%2B31205550200");
        route.GetProperty("outcome").GetString().ShouldBe("routed");
        route.GetProperty("target").GetString()!.ShouldContain("globex-main");

        var bad = await http.GetAsync("/api/route?from=acme-hq&number=%2B31205550200&at=yesterday");
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("not an ISO instant");
    }

    [Fact]
    public async Task Replaying_an_unknown_call_is_a_404_problem()
    {
        using var http = Http();
        var response = await http.GetAsync("/api/calls/no-such-call/events");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("cdrs", "--format", "xml")]
    [InlineData("route", "+31205550200")]
    [InlineData("provision", "/no/such/file.json")]
    [InlineData("serve", "--dialog-ping", "-5")]
    [InlineData("serve", "--dialog-ping", "4000")]
    [InlineData("serve", "--dialog-ping", "soon")]
    [InlineData("serve", "--dialog-ping-failures", "0")]
    public async Task Bad_cli_input_exits_with_code_2(params string[] args)
    {
        var rc = await CliApp.RunAsync(args);
        rc.ShouldBe(2);
    }
}
