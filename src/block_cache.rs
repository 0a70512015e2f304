//! The library's allocator: the system allocator, with freed large blocks
//! kept for reuse.
//!
//! A protocol op allocates and frees vectors of hundreds of kilobytes to
//! megabytes per run. With glibc's default policy such blocks come from
//! `mmap` or from the top of a thread's heap that is trimmed when they are
//! freed, so the next op's block is fresh memory again: a page fault per
//! 4 KiB and the zeroing of every page (a Network A training step took about
//! a fifth longer in a host process than in the `tfe` command, which tunes
//! glibc with `mallopt` for the whole process). A library cannot change its host's
//! allocator policy, so it keeps its own freed blocks of [`MIN_BLOCK`] bytes
//! and more instead, by size class, up to [`MAX_CACHED`] bytes in all; every
//! other allocation goes straight to the system allocator, and so does every
//! block the cache has no room for. The blocks it holds are reachable from
//! a static (memory checkers see no leak) and never returned to the system.
//!
//! It is the global allocator of every build with the crate's default
//! feature `block-cache` (`libtfe.so`, `libtfe.a`, the `tfe` command); a
//! Rust program with a global allocator of its own turns the feature off.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::{Mutex, MutexGuard, TryLockError};

/// The smallest block the cache keeps: below it glibc's own bins reuse
/// memory well.
pub const MIN_BLOCK: usize = 64 << 10;

/// The most bytes the cache holds.
pub const MAX_CACHED: usize = 256 << 20;

/// Blocks kept per size class.
const PER_CLASS: usize = 16;

/// Size classes: four per power of two from [`MIN_BLOCK`] (2^16) to 2^48.
const CLASSES: usize = 4 * (48 - 16);

/// The alignment every cached block has (that of `malloc`).
const ALIGN: usize = 16;

/// The global allocator of a build with the `block-cache` feature.
pub struct BlockCache;

/// A freed block, owned by the cache.
#[derive(Clone, Copy)]
struct Block(*mut u8);

// SAFETY: a cached block belongs to no thread: whoever takes it out of the
// cache (under its lock) owns it.
unsafe impl Send for Block {}

struct Cache {
    bytes: usize,
    counts: [u8; CLASSES],
    blocks: [[Block; PER_CLASS]; CLASSES],
}

static CACHE: Mutex<Cache> =
    Mutex::new(Cache { bytes: 0, counts: [0; CLASSES], blocks: [[Block(std::ptr::null_mut()); PER_CLASS]; CLASSES] });

/// The class of a request and the block size it rounds to (at most a
/// quarter more), or `None` when the cache does not serve it.
fn class_of(layout: Layout) -> Option<(usize, usize)> {
    let size = layout.size();
    if size < MIN_BLOCK || layout.align() > ALIGN {
        return None;
    }
    let power = (usize::BITS - 1 - size.leading_zeros()) as usize; // 2^power <= size < 2^(power + 1)
    let step = 1usize << (power - 2);
    let quarters = (size - (1 << power)).div_ceil(step); // 0 to 4
    // Four quarters are the next power's first class.
    let index = 4 * (power - 16) + quarters;
    let rounded = (1usize << power) + quarters * step;
    (index < CLASSES).then_some((index, rounded))
}

fn block_layout(rounded: usize) -> Layout {
    // Sizes stay far below isize::MAX (classes end at 2^48).
    Layout::from_size_align(rounded, ALIGN).expect("a cached block's layout")
}

/// The cache, unless another thread holds it: a contended call, or one in a
/// child forked while another thread held it, goes to the system allocator
/// instead of waiting. Nothing panics with the lock held, so it is never
/// poisoned.
fn try_lock() -> Option<MutexGuard<'static, Cache>> {
    match CACHE.try_lock() {
        Ok(cache) => Some(cache),
        Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}

/// A cached block of `class`, if one is free.
fn take(class: usize, rounded: usize) -> Option<*mut u8> {
    let mut cache = try_lock()?;
    let count = usize::from(cache.counts[class]);
    if count == 0 {
        return None;
    }
    cache.counts[class] -= 1;
    cache.bytes -= rounded;
    Some(cache.blocks[class][count - 1].0)
}

/// Keeps `ptr` for reuse; false when the class or the cache is full (or
/// the cache is busy).
fn keep(class: usize, rounded: usize, ptr: *mut u8) -> bool {
    let Some(mut cache) = try_lock() else { return false };
    let count = usize::from(cache.counts[class]);
    if count == PER_CLASS || cache.bytes + rounded > MAX_CACHED {
        return false;
    }
    cache.blocks[class][count] = Block(ptr);
    cache.counts[class] += 1;
    cache.bytes += rounded;
    true
}

// SAFETY: every block handed out is either the system allocator's block of
// the rounded size and the cache's alignment, or such a block that was
// freed to the cache and taken out of it once (under the lock); a block
// freed to the system is freed with the layout it was allocated with.
unsafe impl GlobalAlloc for BlockCache {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match class_of(layout) {
            None => unsafe { System.alloc(layout) },
            Some((class, rounded)) => {
                take(class, rounded).unwrap_or_else(|| unsafe { System.alloc(block_layout(rounded)) })
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match class_of(layout) {
            None => unsafe { System.alloc_zeroed(layout) },
            Some((class, rounded)) => match take(class, rounded) {
                Some(ptr) => {
                    unsafe { ptr.write_bytes(0, layout.size()) };
                    ptr
                }
                None => unsafe { System.alloc_zeroed(block_layout(rounded)) },
            },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match class_of(layout) {
            None => unsafe { System.dealloc(ptr, layout) },
            Some((class, rounded)) => {
                if !keep(class, rounded, ptr) {
                    unsafe { System.dealloc(ptr, block_layout(rounded)) };
                }
            }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = class_of(layout);
        // SAFETY: the caller's contract (nonzero size, no overflow when
        // rounded to the alignment) holds for the new layout.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        let new = class_of(new_layout);
        match (old, new) {
            (None, None) => unsafe { System.realloc(ptr, layout, new_size) },
            (Some((a, _)), Some((b, _))) if a == b => ptr,
            _ => {
                let out = unsafe { self.alloc(new_layout) };
                if !out.is_null() {
                    unsafe {
                        std::ptr::copy_nonoverlapping(ptr, out, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_round_up_by_at_most_a_quarter_and_are_monotonic() {
        let mut last: Option<(usize, usize)> = None;
        for size in (MIN_BLOCK..MIN_BLOCK * 64).step_by(4093) {
            let (class, rounded) = class_of(Layout::from_size_align(size, 8).unwrap()).unwrap();
            assert!(rounded >= size && rounded - size <= size / 4 + 1, "{size} -> {rounded}");
            if let Some((last_class, last_rounded)) = last {
                assert!(class > last_class || (class == last_class && rounded == last_rounded), "{size}: {last:?}");
            }
            last = Some((class, rounded));
        }
        assert_eq!(class_of(Layout::from_size_align(MIN_BLOCK - 1, 8).unwrap()), None);
        assert_eq!(class_of(Layout::from_size_align(MIN_BLOCK, 64).unwrap()), None);
    }

    #[test]
    fn reallocation_keeps_the_bytes_across_classes_and_zeroed_blocks_are_zero() {
        let pattern = |i: usize| (i * 131 % 251) as u8;
        let layout = Layout::from_size_align(70 << 10, 8).unwrap();
        unsafe {
            let p = BlockCache.alloc(layout);
            assert!(!p.is_null());
            for i in 0..layout.size() {
                p.add(i).write(pattern(i));
            }
            // 80 KiB is 70 KiB's class (both round to 80 KiB): the same block.
            assert_eq!(BlockCache.realloc(p, layout, 80 << 10), p);
            let p = BlockCache.realloc(p, Layout::from_size_align(80 << 10, 8).unwrap(), 200 << 10);
            let q = BlockCache.realloc(p, Layout::from_size_align(200 << 10, 8).unwrap(), 100);
            assert!((0..100).all(|i| q.add(i).read() == pattern(i)));
            BlockCache.dealloc(q, Layout::from_size_align(100, 8).unwrap());

            let big = Layout::from_size_align(1 << 20, 16).unwrap();
            let dirty = BlockCache.alloc(big);
            dirty.write_bytes(0xFF, big.size());
            BlockCache.dealloc(dirty, big);
            let zeroed = BlockCache.alloc_zeroed(big);
            assert!((0..big.size()).all(|i| zeroed.add(i).read() == 0));
            BlockCache.dealloc(zeroed, big);
        }
    }

    #[test]
    fn threads_freeing_and_taking_blocks_at_once_never_share_one() {
        // Each thread stamps every block it holds with its own number and
        // checks the stamps before freeing: a block handed out twice at once
        // would carry another thread's number.
        let threads: Vec<_> = (0..4u64)
            .map(|t| {
                std::thread::spawn(move || {
                    let mut held: Vec<(*mut u8, Layout)> = Vec::new();
                    for (i, word) in crate::test_data::xorshift(t + 1).take(4000).enumerate() {
                        if held.len() > 6 || (word % 3 == 0 && !held.is_empty()) {
                            let (ptr, layout) = held.swap_remove(i % held.len());
                            unsafe {
                                assert_eq!(ptr.cast::<u64>().read(), t);
                                assert_eq!(ptr.add(layout.size() - 8).cast::<u64>().read_unaligned(), t);
                                BlockCache.dealloc(ptr, layout);
                            }
                        } else {
                            let size = MIN_BLOCK + (word % (3 * MIN_BLOCK as u64)) as usize;
                            let layout = Layout::from_size_align(size, 8).unwrap();
                            unsafe {
                                let ptr = BlockCache.alloc(layout);
                                assert!(!ptr.is_null());
                                ptr.cast::<u64>().write(t);
                                ptr.add(size - 8).cast::<u64>().write_unaligned(t);
                                held.push((ptr, layout));
                            }
                        }
                    }
                    for (ptr, layout) in held {
                        unsafe { BlockCache.dealloc(ptr, layout) };
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
    }
}
