import Foundation
import Runner

/// A GET over a raw socket: the path goes out exactly as written (URLSession, through libcurl,
/// would resolve `..` itself and never send it).
///
/// - Parameter host: the `Host` header's value (nil: none sent).
public func rawGET(port: Int, path: String, host: String? = "127.0.0.1") throws -> (status: Int, body: String) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw RunnerError("socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw RunnerError("connect to \(port) failed") }
    let request = "GET \(path) HTTP/1.1\r\n" + (host.map { "Host: \($0)\r\n" } ?? "") + "Connection: close\r\n\r\n"
    _ = request.withCString { send(fd, $0, strlen($0), 0) }
    var received = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = recv(fd, &buffer, buffer.count, 0)
        if count <= 0 { break }
        received.append(buffer, count: count)
    }
    let text = String(decoding: received, as: UTF8.self)
    let statusLine = text.prefix { $0 != "\r" }
    let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? -1
    let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
    return (status, body)
}
