import Foundation

/// How long this process has existed, seconds: its launch (loading the binary and the Swift
/// runtime) and argument parsing, which `check` adds to its estimate of a render's time because
/// a render pays them too (0.1–0.15 s for the debug build: `render --help` alone takes that).
///
/// From `/proc/self/stat` (proc(5): field 22, `starttime`, in clock ticks since boot) and
/// `/proc/uptime`; nil where there is no /proc.
public enum ProcessAge {
    public static var seconds: Double? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let uptimeText = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
              let uptime = uptimeText.split(separator: " ").first.flatMap({ Double($0) }),
              let close = stat.lastIndex(of: ")") else { return nil }
        // After the command name (which may hold spaces and parentheses), fields start at 3 (state).
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard fields.count > 19, let started = Double(fields[19]), ticks > 0 else { return nil }
        let age = uptime - started / ticks
        return age >= 0 && age < 3600 ? age : nil
    }
}
