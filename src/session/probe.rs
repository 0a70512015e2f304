//! Measuring the link between the servers when a deployment opens
//! ([`Party::measure_link`]), so that a deployment whose hostmap declares
//! no `link` still takes the forms of its ops that are fastest across the
//! network it runs on.
//!
//! The servers exchange one word with each other for [`ROUNDS`] rounds, the
//! way each round of the protocol exchanges its messages. Servers that send
//! at once wait half a round trip for each other's words, so a round lasts
//! half a round trip plus the time their hosts take to run them; each server
//! keeps its shortest round, the one its host delayed least. Each server
//! then tells every player its measurement, and every player takes the
//! longest of the three: the slowest pair of servers decides, and every
//! player assumes the same link (the forms' messages differ, and every
//! player plans a run's fused nodes from it).

use std::time::{Duration, Instant};

use super::party::{Party, SERVERS};
use crate::error::{Error, Result};
use crate::net::Tag;
use crate::net::memory::LinkModel;

/// The op number of the measurement's messages, in run 0 (before every
/// run, after the protocol's setup).
const PROBE_OP: u32 = u32::MAX - 2;

/// Rounds the servers time.
const ROUNDS: u32 = 8;

/// Measured round trips below this assume no link. A busy host delays
/// rounds by milliseconds as well (in one run of this crate's tests on two
/// cores, each of eight rounds among in-memory threads took over 1 ms), and
/// the forms of a deployment's ops should follow its network, not a
/// moment's load. Below 10 ms the three-round sign pays on at most about
/// 3,000 elements instead of local mode's 256; a hostmap can declare such
/// a link.
pub(crate) const MEASURED_RTT_FLOOR: Duration = Duration::from_millis(10);

impl Party {
    /// Measures the link between the servers and returns the one to assume
    /// ([`Party::assume_link`]): the longest of the three servers' shortest
    /// rounds, twice, as the round trip, at TF Encrypted's WAN bandwidth
    /// ([`LinkModel::WAN`]; the bandwidth is not measured, since a short
    /// probe cannot measure it), or `None` below a 10 ms round trip.
    /// Every player of the session must call it, after connecting and
    /// before the first run; it takes about nine half round trips.
    ///
    /// An error names the player that sent a malformed measurement, or one
    /// that did not answer within the receive timeout.
    pub fn measure_link(&mut self) -> Result<Option<LinkModel>> {
        self.measure().inspect_err(|e| self.give_up(0, e))
    }

    /// [`Party::measure_link`], without telling the others of a failure.
    fn measure(&mut self) -> Result<Option<LinkModel>> {
        let me = self.net.me();
        let own = if SERVERS.contains(&me) { Some(self.shortest_round()?) } else { None };
        let tag = Tag { run: 0, op: PROBE_OP, step: ROUNDS };
        if let Some(own) = own {
            let words = [u64::try_from(own.as_nanos()).unwrap_or(u64::MAX)];
            let messages: Vec<_> =
                (0..self.net.names().len()).filter(|&p| p != me).map(|p| (p, tag, &words[..])).collect();
            self.net.send_many(&messages)?;
        }
        let mut longest = own.unwrap_or_default();
        for server in SERVERS.into_iter().filter(|&s| s != me) {
            let words = self.net.recv(server, tag)?;
            let &[nanos] = &words[..] else {
                let found = format!("a link measurement of {} words, expected 1", words.len());
                return Err(Error::protocol(&self.net.names()[server], found));
            };
            longest = longest.max(Duration::from_nanos(nanos));
        }
        // No round outlasts a receive; a larger claim is no measurement.
        Ok(link_for_round(longest.min(self.net.recv_timeout())))
    }

    /// This server's shortest of [`ROUNDS`] rounds in which it sends a
    /// word to each other server and waits for theirs.
    fn shortest_round(&mut self) -> Result<Duration> {
        let me = self.net.me();
        let [a, b] = [1, 2].map(|offset| SERVERS[(me + offset) % 3]);
        let mut shortest = Duration::MAX;
        for step in 0..ROUNDS {
            let tag = Tag { run: 0, op: PROBE_OP, step };
            let start = Instant::now();
            self.net.send_many(&[(a, tag, &[0]), (b, tag, &[0])])?;
            self.net.recv(a, tag)?;
            self.net.recv(b, tag)?;
            shortest = shortest.min(start.elapsed());
        }
        Ok(shortest)
    }
}

/// The link to assume when the slowest server's shortest round lasted
/// `round`: twice that as the round trip, at TF Encrypted's WAN bandwidth,
/// or none below [`MEASURED_RTT_FLOOR`].
fn link_for_round(round: Duration) -> Option<LinkModel> {
    let rtt = 2 * round;
    (rtt >= MEASURED_RTT_FLOOR).then_some(LinkModel { rtt, bits_per_second: LinkModel::WAN.bits_per_second })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::thread;
    use std::time::Duration;

    use super::{MEASURED_RTT_FLOOR, link_for_round};
    use crate::error::Result;
    use crate::graph::Graph;
    use crate::net::memory::{self, LinkModel};
    use crate::protocol::SeedSource;
    use crate::session::{Feeds, Party};

    /// What one player measured, and the rounds a ReLU of 1,000 values
    /// then took at it (none at the input provider, which only sends).
    type Measured = (Option<LinkModel>, Option<u64>);

    /// Every player's measurement over in-memory channels modeled by
    /// `link`, each then assuming the link it measured for a run: three
    /// servers and an input provider, of which `leaving` (if any) leaves
    /// after the protocol's setup, without measuring.
    fn measured(link: Option<LinkModel>, leaving: Option<usize>) -> Vec<Result<Measured>> {
        let mut graph = Graph::default();
        let x = graph.private_input("x", "alice", &[1000]).unwrap();
        let y = graph.relu(x).unwrap();
        let out = graph.reveal(y, None).unwrap();
        let graph = Arc::new(graph);
        let nets = memory::mesh(graph.players(), Duration::from_secs(10), link);
        let players: Vec<_> = nets
            .into_iter()
            .enumerate()
            .map(|(index, net)| {
                let graph = graph.clone();
                thread::spawn(move || {
                    let mut party = Party::new(graph, net, &SeedSource::InsecureDeterministicForTests(7))?;
                    if leaving == Some(index) {
                        return Ok((None, None));
                    }
                    let measured = party.measure_link()?;
                    if let Some(link) = &measured {
                        party.assume_link(link);
                    }
                    let mut feeds = Feeds::new();
                    feeds.insert("x", vec![0.5; 1000]);
                    let run = party.run(&[out], &feeds)?;
                    let rounds = run.stats.spans.iter().find(|span| span.node == y.0).map(|span| span.counters.rounds);
                    // The others may still be running: leave together.
                    party.finish()?;
                    Ok((measured, rounds))
                })
            })
            .collect();
        players.into_iter().map(|p| p.join().unwrap()).collect()
    }

    #[test]
    fn every_player_measures_the_same_wan_link_and_its_servers_take_the_three_round_sign() {
        let results: Vec<_> = measured(Some(LinkModel::WAN), None).into_iter().map(Result::unwrap).collect();
        let first = results[0].0.expect("a 40 ms round trip is above the floor");
        assert!(results.iter().all(|(link, _)| *link == Some(first)), "{results:?}");
        // Each round lasts half the modeled 40 ms round trip, plus the
        // threads' own time (bounded loosely: the host may be busy), less
        // what a server that starts a round late no longer waits for.
        let ms = first.rtt.as_secs_f64() * 1e3;
        assert!((36.0..200.0).contains(&ms), "measured a round trip of {ms} ms across a 40 ms link");
        assert_eq!(first.bits_per_second, LinkModel::WAN.bits_per_second);
        // 8 rounds in local mode (tests/deployment_link.rs).
        assert!(results[..3].iter().all(|(_, rounds)| *rounds == Some(3)), "{results:?}");
    }

    #[test]
    fn a_server_that_does_not_measure_is_named() {
        let results = measured(None, Some(2));
        for (player, result) in results.iter().enumerate().filter(|(p, _)| *p != 2) {
            let e = result.as_ref().expect_err("server2 sent no measurement").to_string();
            assert!(e.contains("server2"), "player {player}: {e}");
        }
    }

    #[test]
    fn no_link_is_assumed_below_the_floor() {
        // Half the 10 ms floor, less a microsecond.
        assert_eq!(link_for_round(Duration::from_micros(4_999)), None);
        let at_floor = link_for_round(MEASURED_RTT_FLOOR / 2).unwrap();
        assert_eq!(at_floor, LinkModel { rtt: MEASURED_RTT_FLOOR, bits_per_second: LinkModel::WAN.bits_per_second });
    }
}
