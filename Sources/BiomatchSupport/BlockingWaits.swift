/// Whether the running task forbids blocking waits on I/O (an event-loop future's `wait()`,
/// a connection pool's condition).
///
/// Async code must never block its thread: the cooperative threads are shared by every task
/// of the process. The engine runs its requests on threads of their own, and callers that
/// promise never to block (the CLI's async commands, the tests of that promise) bind this
/// to `true`; the store's blocking calls then refuse to run on such a task instead of
/// blocking it. Threads outside any task read `false`.
package enum BlockingWaits {
    @TaskLocal package static var areForbidden = false
}
