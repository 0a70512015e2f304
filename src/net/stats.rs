//! Communication counters of one player: what it sent, and in how many rounds.

use std::ops::Sub;

/// Counts since an endpoint was created; subtract two snapshots for a span.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Payload bytes sent (share data only, no framing).
    pub bytes_sent: u64,
    /// Bytes sent including frame headers.
    pub wire_bytes_sent: u64,
    /// Frames sent.
    pub messages_sent: u64,
    /// Communication steps this player took part in (sent or received).
    pub rounds: u64,
}

impl Sub for Counters {
    type Output = Counters;

    fn sub(self, earlier: Counters) -> Counters {
        Counters {
            bytes_sent: self.bytes_sent - earlier.bytes_sent,
            wire_bytes_sent: self.wire_bytes_sent - earlier.wire_bytes_sent,
            messages_sent: self.messages_sent - earlier.messages_sent,
            rounds: self.rounds - earlier.rounds,
        }
    }
}

impl std::ops::AddAssign for Counters {
    fn add_assign(&mut self, other: Counters) {
        self.bytes_sent += other.bytes_sent;
        self.wire_bytes_sent += other.wire_bytes_sent;
        self.messages_sent += other.messages_sent;
        self.rounds += other.rounds;
    }
}
