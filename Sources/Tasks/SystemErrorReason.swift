// The system's reason for a failed file operation, for one-line messages: the POSIX error
// under Foundation's (e.g. "Permission denied"), not Foundation's dump of its error's fields.
import Foundation

public enum SystemErrorReason {
    /// errno's text for the POSIX error beneath `error`, else Foundation's description of it.
    public static func of(_ error: Error) -> String {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain, let code = Int32(exactly: ns.code) { return String(cString: strerror(code)) }
        if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain,
           let code = Int32(exactly: posix.code) {
            return String(cString: strerror(code))
        }
        return ns.localizedDescription
    }
}
