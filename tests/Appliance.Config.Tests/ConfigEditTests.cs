namespace Appliance.Config.Tests;

[TestClass]
public sealed class ConfigEditTests
{
    private const string File = """
        # the box
        bridge:
          name: br0            # the bridge
          management: 10.0.0.6/24
        service:
          vip: 10.0.0.100
        servers:
          - { name: master, address: 10.0.0.1, port: 1 }
          - { name: slave,  address: 10.0.0.2, port: 2 }   # spare
        health:
          probe: http
          interval: 20ms       # fast
          timeout: 40ms
        api: { listen: 10.0.0.6:80 }

        """;

    private static string Set(string text, params (string Key, string Value)[] set)
    {
        var result = ConfigEdit.Apply(text, set.Select(s => KeyValuePair.Create(s.Key, s.Value)), [], TestSupport.FileName);
        Assert.IsEmpty(result.Errors, string.Join("\n", result.Errors));
        return result.Text;
    }

    private static string Remove(string text, params string[] keys)
    {
        var result = ConfigEdit.Apply(text, [], keys, TestSupport.FileName);
        Assert.IsEmpty(result.Errors, string.Join("\n", result.Errors));
        return result.Text;
    }

    [TestMethod]
    public void SettingAValueChangesOnlyItsCharacters()
    {
        string edited = Set(File, ("health.interval", "50ms"));
        Assert.AreEqual(File.Replace("interval: 20ms       # fast", "interval: 50ms       # fast", StringComparison.Ordinal), edited);
        Assert.AreEqual(TimeSpan.FromMilliseconds(50), TestSupport.Parse(edited).Health.Interval);
    }

    [TestMethod]
    public void AServerInAFlowMappingIsEditedByIndex()
    {
        string edited = Set(File, ("servers.1.address", "10.0.0.3"));
        StringAssert.Contains(edited, "- { name: slave,  address: 10.0.0.3, port: 2 }   # spare");
        Assert.AreEqual("10.0.0.3", TestSupport.Parse(edited).Servers[1].Address.ToString());
    }

    [TestMethod]
    public void ANewKeyIsANewLineInItsSectionAtItsIndentation()
    {
        string edited = Set(File, ("health.fall", "5"));
        StringAssert.Contains(edited, "  timeout: 40ms\n  fall: 5\napi:");
        Assert.AreEqual(5, TestSupport.Parse(edited).Health.Fall);
    }

    [TestMethod]
    public void ANewKeyOfAFlowSectionIsANewEntry()
    {
        string edited = Set(File, ("api.token_file", "/tmp/t"));
        StringAssert.Contains(edited, "api: { listen: 10.0.0.6:80, token_file: /tmp/t }");
        Assert.AreEqual("/tmp/t", TestSupport.Parse(edited).Api.TokenFile);
    }

    [TestMethod]
    public void ANewSectionGoesAtTheEndWithItsKeys()
    {
        // The edit makes the section whatever it holds; the reader then judges it (an e-mail channel needs a server and a sender).
        string edited = Set(File, ("notify.email.to", "[a@b.example]"), ("failback", "manual"));
        StringAssert.EndsWith(edited, "api: { listen: 10.0.0.6:80 }\nnotify:\n  email:\n    to: [a@b.example]\nfailback: manual\n");
        var errors = TestSupport.Errors(edited);
        Assert.IsTrue(errors.Any(e => e.Key == "notify.email.server") && errors.Any(e => e.Key == "notify.email.from"), string.Join("\n", errors));
    }

    [TestMethod]
    public void AnEmptySectionGetsItsFirstKey()
    {
        string edited = Set(TestSupport.Minimal + "\nhealth:\nfailback: auto\n", ("health.interval", "30ms"));
        StringAssert.Contains(edited, "health:\n  interval: 30ms\nfailback: auto");
        Assert.AreEqual(TimeSpan.FromMilliseconds(30), TestSupport.Parse(edited).Health.Interval);
    }

    [TestMethod]
    public void AServerCanBeAddedAtTheEndOfTheList()
    {
        string edited = Set(File, ("servers.2.name", "third"), ("servers.2.address", "10.0.0.4"), ("servers.2.port", "3"));
        StringAssert.Contains(edited, "- { name: third, address: 10.0.0.4, port: 3 }\nhealth:");
        Assert.AreEqual("third", TestSupport.Parse(edited).Servers[2].Name);
    }

    [TestMethod]
    public void RemovingAKeyRemovesItsLinesAndKeepsTheComments()
    {
        string edited = Remove(File, "health.interval", "bridge");
        Assert.AreEqual(
            File.Replace("  interval: 20ms       # fast\n", "", StringComparison.Ordinal)
                .Replace("bridge:\n  name: br0            # the bridge\n  management: 10.0.0.6/24\n", "", StringComparison.Ordinal),
            edited);
        Assert.AreEqual(ConfigDefaults.Interval, TestSupport.Parse(edited).Health.Interval);
    }

    [TestMethod]
    public void RemovingAServerOrAFlowEntry()
    {
        string edited = Remove(File, "servers.1", "api.listen");
        StringAssert.Contains(edited, "  - { name: master, address: 10.0.0.1, port: 1 }\nhealth:");
        StringAssert.Contains(edited, "api: {  }");
        Assert.HasCount(1, TestSupport.Parse(edited).Servers);
    }

    [TestMethod]
    public void RemovingWhatIsNotThereChangesNothing() =>
        Assert.AreEqual(File, Remove(File, "notify.email", "servers.9"));

    [TestMethod]
    public void AValueCannotAddKeysOrItemsToAFlowCollection()
    {
        // The servers are written { … }: a comma in a plain scalar there would start another key.
        string edited = Set(File, ("servers.1.name", "a,b: 1"), ("servers.0.name", "x}"));
        StringAssert.Contains(edited, "- { name: \"a,b: 1\",  address: 10.0.0.2, port: 2 }   # spare");
        StringAssert.Contains(edited, "- { name: \"x}\", address: 10.0.0.1, port: 1 }");
        var errors = TestSupport.Errors(edited);
        Assert.IsFalse(errors.Any(e => e.Message.StartsWith("unknown key", StringComparison.Ordinal)), "no key was added: " + string.Join("\n", errors));
        Assert.AreEqual("\"a,b\"", ConfigEdit.Render("a,b"));
        Assert.AreEqual("\"[x, y]\"", ConfigEdit.Render("[x, y]", collections: false), "an item of a list is never a list");
    }

    [TestMethod]
    public void ValuesThatAreNotPlainAreQuoted()
    {
        Assert.AreEqual("\"a: b\"", ConfigEdit.Render("a: b"));
        Assert.AreEqual("\"# x\"", ConfigEdit.Render("# x"));
        Assert.AreEqual("\"x\\ny\"", ConfigEdit.Render("x\ny"));
        Assert.AreEqual("\"\"", ConfigEdit.Render(""));
        Assert.AreEqual("\"*alias\"", ConfigEdit.Render("*alias"));
        Assert.AreEqual("\"[*a]\"", ConfigEdit.Render("[*a]"), "a flow list with an alias is a string");
        Assert.AreEqual("/", ConfigEdit.Render("/"));
        Assert.AreEqual("[a@b, c@d]", ConfigEdit.Render("[a@b, c@d]"));
        Assert.AreEqual("{ master: 17 }", ConfigEdit.Render("{ master: 17 }"));
        Assert.AreEqual("\"[a, \"", ConfigEdit.Render("[a, "));
    }

    [TestMethod]
    public void AnUnknownKeyGetsTheReadersOwnMessage()
    {
        string edited = Set(File, ("health.intervall", "50ms"));
        var error = TestSupport.Errors(edited).Single();
        Assert.AreEqual("health.intervall", error.Key);
        Assert.AreEqual("unknown key \"intervall\"; did you mean \"interval\"?", error.Message);
        Assert.AreEqual(14, error.Line);
    }

    [TestMethod]
    public void AnEditThatCannotBeMadeIsPlacedAndNamed()
    {
        var result = ConfigEdit.Apply(File, [KeyValuePair.Create("health.probe.x", "1"), KeyValuePair.Create("servers.5.name", "x"), KeyValuePair.Create("a..b", "1")], [], TestSupport.FileName);
        Assert.AreEqual(File, result.Text, "nothing is changed when an edit fails");
        Assert.HasCount(3, result.Errors);
        Assert.AreEqual("health.probe is a value, not a section: cannot set health.probe.x", result.Errors[0].Message);
        Assert.AreEqual(11, result.Errors[0].Line);
        Assert.AreEqual("servers has 2 items (0 to 1); a new one is number 2", result.Errors[1].Message);
        Assert.AreEqual("a..b", result.Errors[2].Key);
    }

    [TestMethod]
    public void ATextTheReaderRefusesIsNotEdited()
    {
        string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
        var result = ConfigEdit.Apply(bomb, [KeyValuePair.Create("a", "1")], [], TestSupport.FileName);
        StringAssert.StartsWith(result.Errors.Single().Message, "aliases repeat more than 10000 values");
    }

    [TestMethod]
    public void HostileEditsAreBounded()
    {
        var deep = ConfigEdit.Apply(File, [KeyValuePair.Create(string.Join('.', Enumerable.Repeat("a", 10_000)), "1")], [], TestSupport.FileName);
        StringAssert.StartsWith(deep.Errors.Single().Message, "a key is at most 8 names");
        var many = ConfigEdit.Apply(File, Enumerable.Range(0, 300).Select(i => KeyValuePair.Create($"k{i}", "1")), [], TestSupport.FileName);
        Assert.AreEqual("at most 256 keys may be changed at once", many.Errors.Single().Message);
        var large = ConfigEdit.Apply(File, Enumerable.Range(0, 100).Select(i => KeyValuePair.Create($"k{i}", new string('x', 1000))), [], TestSupport.FileName);
        StringAssert.StartsWith(large.Errors.Single().Message, "the configuration may be at most 64 KiB");
        Assert.AreEqual(File, large.Text);
    }

    [TestMethod]
    public void AnAliasIsNotEditedThrough()
    {
        var result = ConfigEdit.Apply("x: &h { interval: 20ms }\nhealth: *h\n", [KeyValuePair.Create("health.interval", "1ms")], [], TestSupport.FileName);
        StringAssert.Contains(result.Errors.Single().Message, "alias");
    }

    [TestMethod]
    public void ValuesAreListedByDottedKey()
    {
        var values = ConfigEdit.Values(File).ToDictionary(v => v.Key, v => v.Value);
        Assert.AreEqual("20ms", values["health.interval"]);
        Assert.AreEqual("10.0.0.2", values["servers.1.address"]);
        Assert.AreEqual("10.0.0.6:80", values["api.listen"]);
        Assert.AreEqual("[a@b, c@d]", ConfigEdit.Values("notify:\n  email:\n    to: [a@b, c@d]\n").Single().Value);
    }
}
