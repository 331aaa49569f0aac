//! Chunked bodies: decoding never panics, gives the same data and the same verdict whether the
//! bytes come at once or in pieces (sizes from the first byte), and data it decodes, encoded
//! again, decodes to the same.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use server::proxy::h1::framing::{Decoder, Framing, FramingError, LAST_CHUNK, encode_chunk};

/// Decoded data, whether the body ended, and the error that stopped it.
type Outcome = (Vec<u8>, bool, Option<FramingError>);

fn decode(pieces: impl Iterator<Item = Vec<u8>>) -> (Outcome, Vec<u8>) {
    let mut decoder = Decoder::new(Framing::Chunked);
    let mut buf = BytesMut::new();
    let mut data = Vec::new();
    for piece in pieces {
        buf.extend_from_slice(&piece);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(part)) => data.extend_from_slice(&part),
                Ok(None) => break,
                Err(err) => return ((data, false, Some(err)), buf.to_vec()),
            }
        }
        if decoder.is_done() {
            break;
        }
    }
    ((data, decoder.is_done(), None), buf.to_vec())
}

fuzz_target!(|input: &[u8]| {
    let Some((&step, wire)) = input.split_first() else {
        return;
    };
    let step = usize::from(step % 16) + 1;
    let (whole, rest) = decode(std::iter::once(wire.to_vec()));
    let (pieces, _) = decode(wire.chunks(step).map(<[u8]>::to_vec));
    assert_eq!(whole, pieces, "the same bytes, split, decode the same");
    let (data, done, _) = whole;
    if done {
        assert!(wire.ends_with(&rest), "only the body is taken");
        let mut encoded = Vec::new();
        encode_chunk(&mut encoded, &data);
        encoded.extend_from_slice(LAST_CHUNK);
        let ((again, again_done, err), _) = decode(std::iter::once(encoded));
        assert_eq!((again, again_done, err), (data, true, None));
    }
});
