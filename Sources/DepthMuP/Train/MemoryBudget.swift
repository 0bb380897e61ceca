import Foundation

/// Refuses allocations that cannot fit, so an oversized run is a clear error instead of a crash
/// in the allocator (a width of 10⁸ asks for 3·10¹⁷ bytes).
enum MemoryBudget {
    /// The bytes a run may use: three quarters of physical memory (runs go side by side, but one
    /// alone may use most of the machine).
    static var limit: Double { Double(ProcessInfo.processInfo.physicalMemory) * 0.75 }

    /// - Throws: ``DepthMuPError/invalidConfig(_:)`` naming `what`, the size in GiB and `hint`
    ///   when `bytes` exceeds ``limit``.
    static func check(bytes: Double, what: String, hint: String) throws {
        guard bytes > limit else { return }
        let gib = 1024.0 * 1024 * 1024
        throw DepthMuPError.invalidConfig(String(format: "%@ needs about %.1f GiB of memory, more than the %.1f GiB this machine allows; %@",
                                                 what, bytes / gib, limit / gib, hint))
    }
}
