using System.Text;

namespace Appliance.Bench;

/// <summary>
/// One system the appliance is measured against, or the appliance itself.
/// </summary>
/// <param name="DetectCap">How long a benchmark waits for it to fail over before it calls the fault missed.</param>
/// <param name="ReturnCap">How long it waits for the master to be served again after the fault is undone.</param>
/// <param name="Settle">How long a benchmark goes on watching after the return: keepalived sends a second
/// round of gratuitous ARPs 5 s after becoming master (garp_master_delay), which must fall inside it.</param>
/// <param name="Advert">keepalived's advert interval in seconds ("1", its default, or "0.1"); null for the systems in the switch.</param>
/// <param name="Pins">Established connections stay on their server when it returns (the appliance): only new connections go back.</param>
internal sealed record Contender(string Key, string Title, TimeSpan DetectCap, TimeSpan ReturnCap, TimeSpan Settle, string Description, string? Advert = null, bool Pins = false)
{
    /// <summary>keepalived: the VIP lives on the servers and moves by gratuitous ARP.</summary>
    public bool Vrrp => Advert is not null;
}

/// <summary>
/// The appliance beside what an office would use instead, set up one after the other on one lab by
/// <c>tools/bench compare</c> and <c>tools/bench connections</c>:
/// <list type="bullet">
/// <item>the appliance (the real firmware, the lab's defaults with <c>hold_down: off</c>, NAT);</item>
/// <item>the study's own mechanism: a static OpenFlow fast-failover group watching ports only, with
/// the study's NAT rewrite, programmed once with ovs-ofctl and no controller;</item>
/// <item>keepalived VRRP between the two servers (VIP on the servers, the bridge a plain learning
/// switch), with its default 1 s advert interval or tuned to 0.1 s, nginx checked by a vrrp_script.</item>
/// </list>
/// </summary>
internal static class Contenders
{
    private const string StaticCookie = "0x57a7";
    private const string NormalCookie = "0x4a11";

    public static readonly Contender Appliance = new("appliance", "appliance (ours)", TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(0.5),
        "the real firmware with the lab's defaults: NAT, http probes every 20 ms (timeout 40 ms, fall 3, rise 3), automatic failback, `hold_down: off` (a fault every few seconds is flapping by design here), `hard_down: 500ms` (a frozen or silent master's established connections move after 500 ms of silence; new ones at once)",
        Pins: true);

    public static readonly Contender StaticGroup = new("static-ff", "static FF group (the study)", TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(0.5),
        "the study's mechanism without its controller: ARP responder for the VIP, VIP → fast-failover group (bucket per server, `watch_port`, NAT rewrite), reverse rules from the servers to the client, NORMAL for the rest; programmed once with `ovs-ofctl` (flows in `static-ff-flows.txt` beside the raw data). Watches port liveness only");

    public static readonly Contender Keepalived1 = new("keepalived-1s", "keepalived, advert 1 s", TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(6),
        "keepalived 2.2.7 VRRP on both servers (priority 150/100, preempt), VIP on the VRRP master's eth0, gratuitous ARP moves the client; `vrrp_script` curls nginx's `/health` every 1 s (fall 1, rise 1); the bridge is a learning switch (one NORMAL flow). VRRPv2, `advert_int 1` (the default)",
        Advert: "1");

    public static readonly Contender KeepalivedFast = new("keepalived-0.1s", "keepalived, advert 0.1 s", TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(6),
        "the same, VRRPv3 with `advert_int 0.1`. The check stays at 1 s: keepalived 2.2 refuses a vrrp_script `interval` below 1 s",
        Advert: "0.1");

    /// <summary>
    /// Sets up each contender on <paramref name="lab"/> in turn, runs <paramref name="runs"/> on it and takes
    /// it down again. keepalived turns the lab to DSR for good, so the VRRP contenders must come last.
    /// Logs, the static flows and keepalived's configurations go to <paramref name="rawDir"/>.
    /// </summary>
    public static async Task RunEachAsync(Lab lab, IReadOnlyList<Contender> contenders, string rawDir, List<Background> started, Func<Contender, Task> runs)
    {
        if (contenders.SkipWhile(c => !c.Vrrp).Any(c => !c.Vrrp)) throw new ArgumentException("keepalived contenders must come last", nameof(contenders));
        var work = Directory.CreateTempSubdirectory("appliance-bench-contenders.").FullName;
        var config = lab.WriteConfig("hold=off");
        var dsr = false;
        Firmware? firmware = null;
        try
        {
            foreach (var contender in contenders)
            {
                if (contender == Appliance)
                {
                    ClearSwitch(lab);
                    firmware = Firmware.StartOn(lab, config);
                    lab.WaitServing("master", TimeSpan.FromSeconds(10));
                    await runs(contender);
                    await File.WriteAllTextAsync(Path.Combine(rawDir, "appliance-firmware.log"), firmware.Log);
                    // SIGTERM leaves the rules on the switch (docs/cli.md, while the firmware is down); the next contender clears them.
                    firmware.Terminate();
                    firmware.Dispose();
                    firmware = null;
                }
                else if (contender == StaticGroup)
                {
                    ClearSwitch(lab);
                    ProgramStaticGroup(lab);
                    Sh.Check(Host.LabScript, "exec", "--name", lab.Name, "client", "ip", "neigh", "flush", "all");
                    lab.WaitServing("master", TimeSpan.FromSeconds(10));
                    await File.WriteAllTextAsync(Path.Combine(rawDir, "static-ff-flows.txt"), DumpSwitch(lab));
                    await runs(contender);
                }
                else if (contender.Vrrp)
                {
                    if (!dsr)
                    {
                        // The VIP lives on the servers. The lab in DSR mode gives every server the VIP on loopback
                        // (never answering ARP for it there), so the echo responders and nginx answer it; keepalived
                        // adds it on eth0 of the VRRP master, which alone answers ARP and sends the gratuitous ARPs
                        // that move the clients. The bridge is a plain learning switch.
                        Sh.Check(Host.LabScript, "up", "--name", lab.Name, "--dsr");
                        VipOffLoopback(lab);
                        ClearSwitch(lab);
                        Sh.Check("ovs-ofctl", "-O", "OpenFlow13", "add-flow", lab.Bridge, $"cookie={NormalCookie},priority=0,actions=NORMAL");
                        dsr = true;
                    }
                    Sh.Check(Host.LabScript, "exec", "--name", lab.Name, "client", "ip", "neigh", "flush", "all");
                    var daemons = StartKeepalived(lab, contender, work, rawDir, started);
                    try
                    {
                        lab.WaitServing("master", TimeSpan.FromSeconds(20));
                        await runs(contender);
                    }
                    finally
                    {
                        foreach (var (role, daemon) in daemons)
                        {
                            daemon.Stop(TimeSpan.FromSeconds(5));
                            await File.WriteAllTextAsync(Path.Combine(rawDir, $"{contender.Key}-{role}.log"), daemon.Output);
                            daemon.Dispose();
                            started.Remove(daemon);
                        }
                    }
                    Sh.Check(Host.LabScript, "exec", "--name", lab.Name, "client", "ip", "neigh", "flush", "all");
                }
                else
                {
                    throw new ArgumentOutOfRangeException(nameof(contenders), contender.Key, "not a known contender");
                }
            }
        }
        finally
        {
            firmware?.Dispose();
            File.Delete(config);
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The fault that undoes <paramref name="fault"/> (<c>tools/lab fault</c> kinds).</summary>
    public static string Undo(string fault) => fault switch
    {
        "link-down" => "link-up",
        "kill" => "restart",
        "freeze" => "thaw",
        _ => throw new ArgumentOutOfRangeException(nameof(fault)),
    };

    /// <summary>Undoes a fault. After a kill, keepalived has taken the VIP off the master; the restarted echo responder and iperf bind it only if it is local, so it is lent on loopback for the restart (the client is on the slave then).</summary>
    public static void UndoFault(Lab lab, Contender contender, string fault)
    {
        if (contender.Vrrp && fault == "kill")
        {
            Sh.Run(Host.LabScript, "exec", "--name", lab.Name, "master", "ip", "addr", "add", $"{lab.Vip}/32", "dev", "lo");
            lab.Fault("restart", "master");
            Sh.Run(Host.LabScript, "exec", "--name", lab.Name, "master", "ip", "addr", "del", $"{lab.Vip}/32", "dev", "lo");
            return;
        }
        lab.Fault(Undo(fault), "master");
    }

    /// <summary>
    /// Whatever a run left behind, the next starts from a healthy master that serves the VIP: waits for it,
    /// and when it does not come, repairs the lab (<c>tools/lab up</c> clears every fault) and waits again.
    /// </summary>
    public static void RestoreMaster(Lab lab, Contender contender, string run)
    {
        try
        {
            lab.WaitServing("master", TimeSpan.FromSeconds(15));
        }
        catch (LabException)
        {
            Console.WriteLine($"  {run}: the master did not serve again within 15 s; repairing the lab");
            Sh.Check(Host.LabScript, "up", "--name", lab.Name);
            if (contender.Vrrp) VipOffLoopback(lab);
            lab.WaitServing("master", TimeSpan.FromSeconds(20));
        }
    }

    /// <summary>The "system | what it is" table of a report.</summary>
    public static void Describe(StringBuilder t, IEnumerable<Contender> contenders)
    {
        t.AppendLine("| system | what it is |");
        t.AppendLine("|---|---|");
        foreach (var c in contenders) t.AppendLine($"| {c.Title} | {c.Description} |");
        t.AppendLine();
    }

    /// <summary>
    /// The DSR lab started every server's echo responder and iperf with the VIP on loopback, so their
    /// sockets are bound to it; taking it off loopback again leaves those sockets listening while only
    /// the server that holds the VIP on eth0 (the VRRP master) accepts packets for it, as with a plain
    /// keepalived set-up. A slave that is not master drops VIP traffic (no forwarding in the namespaces).
    /// </summary>
    private static void VipOffLoopback(Lab lab)
    {
        foreach (var role in new[] { "master", "slave" })
        {
            Sh.Run(Host.LabScript, "exec", "--name", lab.Name, role, "ip", "addr", "del", $"{lab.Vip}/32", "dev", "lo");
        }
    }

    private static void ClearSwitch(Lab lab)
    {
        Sh.Check("ovs-ofctl", "-O", "OpenFlow13", "del-flows", lab.Bridge);
        Sh.Check("ovs-ofctl", "-O", "OpenFlow13", "del-groups", lab.Bridge);
    }

    private static string DumpSwitch(Lab lab) =>
        Sh.Check("ovs-ofctl", "-O", "OpenFlow13", "dump-groups", lab.Bridge) +
        Sh.Check("ovs-ofctl", "-O", "OpenFlow13", "--no-stats", "dump-flows", lab.Bridge);

    /// <summary>
    /// What the study's Ryu app ends up with, written once: the switch answers ARP for the VIP, VIP
    /// traffic goes to a fast-failover group (bucket 1 watches the master's port, bucket 2 the slave's)
    /// that rewrites the destination to the chosen server (NAT, as the study's forward rules), replies
    /// from a server to the client are rewritten to come from the VIP (the study's reverse rules), and
    /// everything else is switched normally. Port liveness is all it watches.
    /// </summary>
    private static void ProgramStaticGroup(Lab lab)
    {
        var br = lab.Bridge;
        var vip = lab.Vip;
        var vmac = lab.Vmac;
        var (master, slave, client) = (lab.Host("master"), lab.Host("slave"), lab.Host("client"));
        static string Bucket(LabHost server) => $"bucket=watch_port:{server.Port},actions=set_field:{server.Mac}->eth_dst,set_field:{server.Address}->ip_dst,output:{server.Port}";
        string Reply(LabHost server) => $"cookie={StaticCookie},priority=100,ip,in_port={server.Port},nw_src={server.Address},nw_dst={client.Address},actions=set_field:{vmac}->eth_src,set_field:{vip}->ip_src,output:{client.Port}";
        Sh.Check("ovs-ofctl", "-O", "OpenFlow13", "add-group", br, $"group_id=1,type=ff,{Bucket(master)},{Bucket(slave)}");
        var flows = new[]
        {
            $"cookie={StaticCookie},priority=200,arp,arp_tpa={vip},arp_op=1,actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:{vmac}->eth_src,set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],set_field:{vmac}->arp_sha,move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:{vip}->arp_spa,IN_PORT",
            $"cookie={StaticCookie},priority=100,ip,nw_dst={vip},actions=group:1",
            Reply(master),
            Reply(slave),
            $"cookie={StaticCookie},priority=0,actions=NORMAL",
        };
        foreach (var flow in flows) Sh.Check("ovs-ofctl", "-O", "OpenFlow13", "add-flow", br, flow);
    }

    /// <summary>The keepalived configuration of one server. <paramref name="advert"/> "1" is keepalived's default (VRRPv2); "0.1" needs VRRPv3 (centisecond adverts).</summary>
    internal static string KeepalivedConfig(Lab lab, string role, string advert)
    {
        var v3 = advert != "1";
        var priority = role == "master" ? 150 : 100;
        return $$"""
            # keepalived for lab {{lab.Name}}, {{role}} (written by tools/bench)
            global_defs {
                router_id {{lab.Name}}_{{role}}
                script_user root
                enable_script_security
                vrrp_version {{(v3 ? 3 : 2)}}
            }
            # nginx answering on the server's own address; a refused connection fails at once.
            # keepalived 2.2 runs scripts at most once a second ("interval 0.1" is refused: 1..4294 s).
            vrrp_script chk_nginx {
                script "/usr/bin/curl -sf -o /dev/null --noproxy * -m 1 http://{{lab.AddressOf(role)}}/health"
                interval 1
                timeout 1
                fall 1
                rise 1
            }
            vrrp_instance VI_1 {
                state BACKUP
                interface {{lab.Host(role).Interface}}
                virtual_router_id 51
                priority {{priority}}
                advert_int {{advert}}
                virtual_ipaddress {
                    {{lab.Vip}}/24 dev {{lab.Host(role).Interface}}
                }
                track_script {
                    chk_nginx
                }
            }

            """;
    }

    private static List<(string Role, Background Daemon)> StartKeepalived(Lab lab, Contender contender, string work, string rawDir, List<Background> started)
    {
        var daemons = new List<(string, Background)>();
        foreach (var role in new[] { "master", "slave" })
        {
            var conf = Path.Combine(work, $"{contender.Key}-{role}.conf");
            File.WriteAllText(conf, KeepalivedConfig(lab, role, contender.Advert!));
            File.Copy(conf, Path.Combine(rawDir, $"{contender.Key}-{role}.conf"), overwrite: true);
            // -n: no daemon (we own the process), -l: log to our output, -P: VRRP only; pid files of our own
            // so that two keepalived on one file system do not take each other for a running instance.
            var daemon = Background.InHost(lab, role, "keepalived", "-n", "-l", "-P", "-f", conf,
                "-p", Path.Combine(work, $"{contender.Key}-{role}.pid"), "-r", Path.Combine(work, $"{contender.Key}-{role}-vrrp.pid"));
            started.Add(daemon);
            daemons.Add((role, daemon));
        }
        return daemons;
    }
}
