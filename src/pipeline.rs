//! Runs one function over a stream of items on several threads and hands the results
//! back in input order, with a bound on how many items are in flight.
//!
//! Why: extraction is the costly, independent part of every command, and users want
//! all their cores used *and* output that does not depend on scheduling (the same
//! corpus gives byte-identical JSON and the same store whatever the thread count). The
//! bound keeps memory flat whatever the corpus size: the reader waits while `window`
//! items are read but not yet consumed, so a slow item never lets the others pile up.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Condvar, Mutex};

/// Whether the consumer wants more results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Stop reading: the remaining items are dropped unprocessed.
    Stop,
}

/// A counting semaphore: the reader takes a permit per item, the consumer gives it back.
struct Permits {
    free: Mutex<usize>,
    changed: Condvar,
}

impl Permits {
    fn acquire(&self, stop: &AtomicBool) -> bool {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 && !stop.load(Ordering::Acquire) {
            free = self.changed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        if stop.load(Ordering::Acquire) {
            return false;
        }
        *free -= 1;
        true
    }

    fn release(&self) {
        *self.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.changed.notify_one();
    }

    fn wake_all(&self) {
        let _guard = self.free.lock().unwrap_or_else(|e| e.into_inner());
        self.changed.notify_all();
    }
}

/// Calls `produce` (on its own thread) to read items, maps each with `work` on
/// `threads` threads, and calls `consume` on the calling thread with each result in the
/// order `produce` delivered the items. At most `window` items are read and not yet
/// consumed at any time. `consume` returning [`Flow::Stop`] ends the run early; items
/// read after that are dropped.
///
/// `produce` receives a sink to call once per item; the sink returns `false` once the run
/// is stopping, so a reader can stop early.
pub fn ordered_map<I, O, P, W, C>(threads: usize, window: usize, produce: P, work: W, mut consume: C)
where
    I: Send,
    O: Send,
    P: FnOnce(&mut dyn FnMut(I) -> bool) + Send,
    W: Fn(I) -> O + Sync,
    C: FnMut(O) -> Flow,
{
    let threads = threads.max(1);
    let window = window.max(threads);
    let stop = AtomicBool::new(false);
    let permits = Permits { free: Mutex::new(window), changed: Condvar::new() };
    let (work_tx, work_rx) = sync_channel::<(usize, I)>(window);
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = sync_channel::<(usize, O)>(window);
    std::thread::scope(|s| {
        let (stop, permits, work_rx, work) = (&stop, &permits, &work_rx, &work);
        s.spawn(move || {
            let mut seq = 0usize;
            produce(&mut |item| {
                if !permits.acquire(stop) || work_tx.send((seq, item)).is_err() {
                    return false;
                }
                seq += 1;
                true
            });
            // Dropping the sender ends the workers once the queue is drained.
        });
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            s.spawn(move || loop {
                let next = {
                    let rx: &Receiver<(usize, I)> = &work_rx.lock().unwrap_or_else(|e| e.into_inner());
                    rx.recv()
                };
                let Ok((seq, item)) = next else { break };
                if stop.load(Ordering::Acquire) {
                    continue;
                }
                if done_tx.send((seq, work(item))).is_err() {
                    break;
                }
            });
        }
        drop(done_tx);
        let mut pending: BTreeMap<usize, O> = BTreeMap::new();
        let mut next = 0usize;
        for (seq, out) in done_rx.iter() {
            if stop.load(Ordering::Acquire) {
                continue;
            }
            pending.insert(seq, out);
            while let Some(out) = pending.remove(&next) {
                next += 1;
                let flow = consume(out);
                // Given back once consumed, so at most `window` items exist at a time.
                permits.release();
                if flow == Flow::Stop {
                    stop.store(true, Ordering::Release);
                    permits.wake_all();
                    pending.clear();
                    break;
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn results_come_in_input_order_whatever_the_thread_count() {
        for threads in [1, 2, 3, 8] {
            let mut got = Vec::new();
            ordered_map(
                threads,
                4,
                |sink| {
                    for i in 0..500u64 {
                        sink(i);
                    }
                },
                // Uneven work, so threads finish out of order.
                |i| {
                    let mut x = i;
                    for _ in 0..(i % 7) * 2000 {
                        x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(1));
                    }
                    let _ = x;
                    i * 2
                },
                |o| {
                    got.push(o);
                    Flow::Continue
                },
            );
            assert_eq!(got, (0..500).map(|i| i * 2).collect::<Vec<_>>(), "threads = {threads}");
        }
    }

    #[test]
    fn never_more_than_the_window_in_flight() {
        let in_flight = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        ordered_map(
            3,
            5,
            |sink| {
                for i in 0..300 {
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    sink(i);
                }
            },
            |i: usize| i,
            |_| {
                in_flight.fetch_sub(1, Ordering::SeqCst);
                Flow::Continue
            },
        );
        // The counter goes up before the permit is taken, so it may read one over.
        assert!(most.load(Ordering::SeqCst) <= 5 + 1, "{} in flight", most.load(Ordering::SeqCst));
    }

    #[test]
    fn stop_ends_the_run_and_tells_the_reader() {
        let mut got = Vec::new();
        let mut refused = false;
        let refused_ref = &mut refused;
        ordered_map(
            2,
            4,
            move |sink| {
                for i in 0..10_000 {
                    if !sink(i) {
                        *refused_ref = true;
                        return;
                    }
                }
            },
            |i: usize| i,
            |o| {
                got.push(o);
                if o == 10 {
                    Flow::Stop
                } else {
                    Flow::Continue
                }
            },
        );
        assert_eq!(got, (0..=10).collect::<Vec<_>>());
        assert!(refused, "the reader was not told to stop");
    }
}
