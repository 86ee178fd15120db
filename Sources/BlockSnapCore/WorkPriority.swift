/// Whether the current task's work is background work (a snapshot's capture) that should give
/// way to foreground work (client requests), for executors that can tell the two apart.
///
/// Invariant: only tells; an executor that ignores it still runs the work exactly once.
public enum WorkPriority {
    /// True for work started inside `WorkPriority.$isBackground.withValue(true) { … }`, and in
    /// the child tasks it creates.
    @TaskLocal public static var isBackground = false
}
