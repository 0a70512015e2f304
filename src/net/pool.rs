//! Reuse of receive buffers: the words of a message land in a buffer an
//! earlier message left behind, instead of freshly allocated memory.
//!
//! A megabyte-sized `Vec` fresh from the allocator costs a page fault per
//! 4 KiB page on first write and a memset when it comes zeroed; with large
//! messages that was a fifth of a private multiplication. Protocols hand
//! received words back with [`crate::net::Endpoint::recycle`] once they are
//! done with them, and the readers of the next messages take them from here.
//!
//! The pool is bounded ([`MAX_BUFFERS`], [`MAX_POOLED_WORDS`]) so a process
//! never keeps more than a fixed amount of idle memory for reuse. Buffers
//! keep their length and old contents: a reader overwrites all of the words
//! it asks for, so nothing needs zeroing.

use std::sync::{Arc, Mutex, PoisonError};

/// At most this many idle buffers are kept per endpoint: enough for the
/// parts of a large truncation (a few hundred messages of 16 Ki words per
/// million elements), which arrive while their reader is still busy with
/// the products before it.
pub const MAX_BUFFERS: usize = 256;
/// At most this many idle words (8 bytes each: 64 MiB) are kept per endpoint.
/// 256 MiB held a local training of network A at 1 GB of memory against
/// 0.4 GB with no measured loss of speed (BENCHMARKS.md, "The library keeps its large
/// blocks"): the block cache (default feature) reuses what the pool gives up.
pub const MAX_POOLED_WORDS: usize = 8 << 20;
/// Messages below this many words are not worth pooling: the allocator's own
/// caches serve them well.
const MIN_POOLED_WORDS: usize = 1 << 12;

/// A bounded set of idle word buffers, shared by an endpoint and its readers.
#[derive(Clone, Default)]
pub struct BufferPool {
    idle: Arc<Mutex<Vec<Vec<u64>>>>,
}

impl BufferPool {
    /// A buffer of exactly `len` words with unspecified contents: the
    /// idle buffer of the smallest capacity that holds `len`, or a new one.
    /// Buffers are matched by capacity, not length: a buffer taken for a
    /// shorter message keeps its capacity and serves a longer one later
    /// (only the words past its current length are written, with zeros).
    pub fn take(&self, len: usize) -> Vec<u64> {
        if len >= MIN_POOLED_WORDS {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            let best = (0..idle.len()).filter(|&i| idle[i].capacity() >= len).min_by_key(|&i| idle[i].capacity());
            if let Some(i) = best {
                let mut words = idle.swap_remove(i);
                words.resize(len, 0);
                return words;
            }
        }
        vec![0; len]
    }

    /// Keeps `words` for a later [`BufferPool::take`], if the pool has room.
    /// When it is full, the smallest buffer (this one included) is freed.
    /// The bounds count capacities: the memory the idle buffers hold.
    pub fn give(&self, words: Vec<u64>) {
        if words.capacity() < MIN_POOLED_WORDS || words.capacity() > MAX_POOLED_WORDS {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        idle.push(words);
        while idle.len() > MAX_BUFFERS || idle.iter().map(Vec::capacity).sum::<usize>() > MAX_POOLED_WORDS {
            let smallest = (0..idle.len()).min_by_key(|&i| idle[i].capacity()).unwrap_or(0);
            idle.swap_remove(smallest);
        }
    }

    /// Idle buffers and their words, for tests.
    #[cfg(test)]
    fn idle(&self) -> (usize, usize) {
        let idle = self.idle.lock().unwrap();
        (idle.len(), idle.iter().map(Vec::capacity).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_buffer_serves_a_later_take_of_the_same_or_smaller_size() {
        let pool = BufferPool::default();
        let mut words = pool.take(MIN_POOLED_WORDS * 2);
        words[0] = 42;
        let address = words.as_ptr();
        pool.give(words);
        let again = pool.take(MIN_POOLED_WORDS + 1);
        assert_eq!(again.as_ptr(), address);
        assert_eq!(again.len(), MIN_POOLED_WORDS + 1);
        assert_eq!(pool.idle(), (0, 0));
    }

    #[test]
    fn a_buffer_taken_for_a_shorter_message_serves_a_longer_one_later() {
        let pool = BufferPool::default();
        pool.give(vec![7; MIN_POOLED_WORDS * 4]);
        let short = pool.take(MIN_POOLED_WORDS);
        let address = short.as_ptr();
        pool.give(short);
        let long = pool.take(MIN_POOLED_WORDS * 3);
        assert_eq!(long.as_ptr(), address, "the capacity was lost to a new allocation");
        assert_eq!(long.len(), MIN_POOLED_WORDS * 3);
    }

    #[test]
    fn the_smallest_fitting_buffer_is_taken() {
        let pool = BufferPool::default();
        pool.give(vec![1; MIN_POOLED_WORDS * 4]);
        pool.give(vec![2; MIN_POOLED_WORDS * 2]);
        assert_eq!(pool.take(MIN_POOLED_WORDS * 2)[0], 2);
        assert_eq!(pool.take(MIN_POOLED_WORDS * 3)[0], 1);
        // Nothing fits: a new, zeroed buffer.
        assert_eq!(pool.take(MIN_POOLED_WORDS * 5), vec![0; MIN_POOLED_WORDS * 5]);
    }

    #[test]
    fn the_pool_stays_within_its_bounds() {
        let pool = BufferPool::default();
        for i in 0..MAX_BUFFERS + 3 {
            pool.give(vec![0; MIN_POOLED_WORDS + i]);
        }
        let (count, _) = pool.idle();
        assert_eq!(count, MAX_BUFFERS);
        // The shortest ones were dropped.
        assert_eq!(pool.take(MIN_POOLED_WORDS + 2).len(), MIN_POOLED_WORDS + 2);
        assert_eq!(pool.idle().0, MAX_BUFFERS - 1);
        pool.give(vec![0; MAX_POOLED_WORDS / 2 + 1]);
        pool.give(vec![0; MAX_POOLED_WORDS / 2 + 1]);
        assert!(pool.idle().1 <= MAX_POOLED_WORDS);
        // Tiny and huge buffers are not kept.
        let before = pool.idle();
        pool.give(vec![0; 10]);
        pool.give(vec![0; MAX_POOLED_WORDS + 1]);
        assert_eq!(pool.idle(), before);
    }
}
