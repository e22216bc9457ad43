using System.Text.Json;
using Deque.AxeCore.Commons;
using OpenQA.Selenium;

namespace Appliance.Integration.Tests;

/// <summary>
/// axe-core (Deque.AxeCore.Commons' own copy, no network) run inside the page the browser shows, on the
/// WCAG 2.0 and 2.1 A and AA rules: what it finds in the parts of the page that are shown.
/// </summary>
internal static class Axe
{
    private static readonly string Script = new BundledAxeScriptProvider().GetScript();

    private const string Run = """
        const done = arguments[arguments.length - 1];
        axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
          .then(r => done(JSON.stringify({ passes: r.passes.length, violations: r.violations.map(v => ({ id: v.id, help: v.help,
            nodes: v.nodes.map(n => n.target.join(" ") + ": " + n.failureSummary.replace(/\s+/g, " ")) })) })))
          .catch(e => done(JSON.stringify({ error: String(e) })));
        """;

    /// <summary>Fails with every violation found (rule, what it asks, where and why) unless there is none.</summary>
    public static void AssertNoViolations(IWebDriver browser, string view, TestContext context)
    {
        var js = (IJavaScriptExecutor)browser;
        if (!(bool)js.ExecuteScript("return typeof axe !== 'undefined';")!) js.ExecuteScript(Script);
        browser.Manage().Timeouts().AsynchronousJavaScript = TimeSpan.FromSeconds(60);
        using var result = JsonDocument.Parse((string)js.ExecuteAsyncScript(Run)!);
        var root = result.RootElement;
        if (root.TryGetProperty("error", out var error)) Assert.Fail($"axe could not run on the {view}: {error}");
        var violations = root.GetProperty("violations").EnumerateArray().Select(v =>
            $"{v.GetProperty("id")} ({v.GetProperty("help")}):\n    {string.Join("\n    ", v.GetProperty("nodes").EnumerateArray().Select(n => n.GetString()))}").ToList();
        context.WriteLine($"axe on the {view}: {root.GetProperty("passes").GetInt32()} rules passed, {violations.Count} violated");
        Assert.IsEmpty(violations, $"WCAG 2.1 AA violations on the {view}:\n{string.Join("\n", violations)}");
    }
}
