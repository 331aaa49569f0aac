//! Load-balancing policies over a pool of `len` instances.

use crate::spec::load_balance::LbPolicy;

/// FNV-1a, 32 bits: the hash EaseMesh uses for `ipHash` and `headerHash`, so a key lands on the
/// same instance index as it did there.
#[must_use]
pub fn fnv1a32(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// The index chosen in a pool of `len`, or `None` when it is empty. Instance weights are not
/// modelled yet (every instance weighs the same), so `weightedRandom` is uniform, as in EaseMesh.
pub fn pick(policy: LbPolicy, len: usize, counter: u64, random: u64, hash_value: Option<&str>) -> Option<usize> {
    if len == 0 {
        return None;
    }
    let len64 = len as u64;
    let index = match policy {
        LbPolicy::RoundRobin => counter % len64,
        LbPolicy::Random | LbPolicy::WeightedRandom => random % len64,
        LbPolicy::IpHash | LbPolicy::HeaderHash => u64::from(fnv1a32(hash_value.unwrap_or_default())) % len64,
    };
    usize::try_from(index).ok()
}
