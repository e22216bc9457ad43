namespace Appliance.Panel.Tests;

[TestClass]
public sealed class TerminalPanelTests
{
    [TestMethod]
    public void PlainFormatShowsLitAndDarkLeds() =>
        Assert.AreEqual("[● MASTER] [○ SLAVE] [○ FAULT]", TerminalPanel.Format(new PanelLeds(true, false, false), ansi: false));

    [TestMethod]
    public void ColourFormatUsesTheLedsColoursAndDimsDarkOnes()
    {
        var line = TerminalPanel.Format(new PanelLeds(true, true, false), ansi: true);
        StringAssert.Contains(line, "\e[1;32m● MASTER");
        StringAssert.Contains(line, "\e[1;33m● SLAVE");
        StringAssert.Contains(line, "\e[2m○ FAULT");
        Assert.AreEqual("[● MASTER] [● SLAVE] [○ FAULT]", System.Text.RegularExpressions.Regex.Replace(line, "\e\\[[0-9;]*m", ""));
    }

    [TestMethod]
    public void OnATerminalTheLineIsRedrawnInPlace()
    {
        using var rig = new Rig();
        var output = new StringWriter();
        using (var terminal = new TerminalPanel(output, ansi: true))
        {
            terminal.Attach(rig.Panel);
            rig.Panel.Show(new PanelView(LedPattern.Blink, LedPattern.Off, LedPattern.Off));
            rig.AdvanceMs(2000);
            var text = output.ToString();
            Assert.DoesNotContain('\n', text, "repeated updates never scroll");
            Assert.AreEqual(10, text.Split('\r').Length - 1, "drawn at attach, on show, then at each of 8 blink edges");
            Assert.EndsWith("\e[K", text, "each redraw clears what was left of the longer line");
        }
        Assert.EndsWith("\n", output.ToString(), "disposing leaves the prompt on a fresh line");
    }

    [TestMethod]
    public void WithoutATerminalItWritesOneLinePerViewNotPerBlink()
    {
        using var rig = new Rig();
        var output = new StringWriter();
        using var terminal = new TerminalPanel(output, ansi: false);
        terminal.Attach(rig.Panel);
        rig.Panel.Show(new PanelView(LedPattern.Off, LedPattern.On, LedPattern.Blink));
        rig.AdvanceMs(2000);
        rig.Panel.SignalRefused();
        rig.AdvanceMs(1000);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        CollectionAssert.AreEqual(new[]
        {
            "panel: master off, slave off, fault off",
            "panel: master off, slave on, fault blinking",
            "panel: master off, slave on, fault blinking (refused: 3 quick red blinks)",
            "panel: master off, slave on, fault blinking",
        }, lines);
        Assert.DoesNotContain('\e', output.ToString());
    }
}
