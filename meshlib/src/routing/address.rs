//! A stable loopback address per service (127.x.y.z), so an unmodified client that dials the
//! address discovery gave it reaches the right service without any mesh header. All of
//! 127.0.0.0/8 reaches the loopback interface on Linux; the sidecar tells services apart by the
//! local address a connection arrives on.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use super::balance::fnv1a32;

/// Addresses for `services`: each from a hash of its name, so it stays the same while the set
/// of services changes; the rare collisions are resolved in name order by probing onwards.
/// 127.0.0.0/16 is left alone (127.0.0.1 and friends).
pub fn assign<'a>(services: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, Ipv4Addr> {
    const SPACE: u32 = (1 << 24) - (1 << 16);
    let names: BTreeSet<&str> = services.into_iter().collect();
    let mut taken = BTreeSet::new();
    let mut out = BTreeMap::new();
    for name in names {
        let mut slot = fnv1a32(name) % SPACE;
        while !taken.insert(slot) {
            slot = (slot + 1) % SPACE;
        }
        let host = (1 << 16) + slot;
        out.insert(name.to_owned(), Ipv4Addr::from(0x7f00_0000 | host));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_loopback_stable_and_distinct() {
        let first = assign(["order", "pay", "cart"]);
        let second = assign(["order", "pay", "cart", "ledger"]);
        for (name, address) in &first {
            assert!(address.is_loopback() && address.octets()[1] != 0, "{address}");
            assert_eq!(second[name], *address, "adding a service moved {name}");
        }
        let many = assign(
            (0..5000)
                .map(|i| format!("svc-{i}"))
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str),
        );
        let distinct: BTreeSet<_> = many.values().collect();
        assert_eq!(distinct.len(), 5000);
    }
}
