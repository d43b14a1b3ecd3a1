import Dispatch
import Foundation
import Logging
import Synchronization

/// The last resort behind the documented shutdown bound: armed at the first signal, it ends the
/// process if the graceful shutdown and the cancellation after it have not finished by the
/// deadline (work that ignores cancellation, a stuck system call). A dispatch timer, not a task, so
/// a busy or wedged task pool cannot postpone it. Agents die with the daemon: their stdin closes,
/// and the next start's recovery kills whatever is left by pid and start time.
final class ShutdownWatchdog: Sendable {
    private let timer = Mutex<(any DispatchSourceTimer)?>(nil)

    /// Arms the watchdog once; later calls do nothing.
    func arm(after limit: Duration, logger: Logger) {
        timer.withLock { timer in
            guard timer == nil else { return }
            let source = DispatchSource.makeTimerSource(queue: .global())
            let (seconds, attoseconds) = limit.components
            source.schedule(deadline: .now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)))
            source.setEventHandler {
                logger.critical("shutdown did not finish within its bound; exiting now", metadata: ["bound": "\(limit)"])
                _exit(1)
            }
            source.resume()
            timer = source
        }
    }

    deinit {
        timer.withLock { $0?.cancel() }
    }
}
