import FuzzSupport

/// libFuzzer's entry point: every input must have `DocumentFuzzer.check`'s properties; a
/// finding aborts, so libFuzzer saves the input as `crash-…`.
///
/// Built only with `DEPTHBOOK_FUZZ=1` (see Package.swift), as
/// `DEPTHBOOK_FUZZ=1 swift build --build-path .build/fuzz -Xswiftc -sanitize=fuzzer --product depthbook-fuzz`,
/// and run as `.build/fuzz/debug/depthbook-fuzz -max_total_time=1800 -timeout=30 CORPUS_DIR`
/// (the check limits each input to 1 s of CPU; `-timeout` is wall time, a backstop for hangs).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    if let finding = DocumentFuzzer.check(bytes) {
        print("FINDING: \(finding)")
        fatalError("DocumentFuzzer finding")
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's `main` as `<target>_main`; hand control to libFuzzer's driver.
@_cdecl("depthbook_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
