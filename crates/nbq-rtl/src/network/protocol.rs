//! The serial host protocol of the board top ([`super::board`]): one definition of its bytes, used by the host
//! program on a real serial port and in simulation alike.
//!
//! A frame (host to board): `A5 5A`, the pixel count as two bytes (little-endian), the pixels (one byte each,
//! raster order), and a CRC-8 ([`crc8`]) of the count and the pixels.
//!
//! A reply (board to host): `5A A5`, a status byte, the class byte, each class's integer score as four bytes
//! (little-endian two's complement), and a CRC-8 of the status, class and score bytes. Status: 0 classified;
//! 1 timeout (the line went quiet inside a frame); 2 wrong pixel count; 3 bad CRC; 4 a pixel above the network's
//! largest; bit 7 set: bytes that were not a frame's start were skipped before this frame. An error reply has
//! class 0 and zero scores.
//!
//! The host sends one frame and waits for its reply. The board answers every frame, drops bytes between frames
//! (they set bit 7 of the next reply), and returns to waiting for a frame after a reply, after a quiet line of
//! [`QUIET_BYTES`] byte times inside a frame, and after the quiet line that follows a wrong count.

/// The first two bytes of a frame.
pub const FRAME_SYNC: [u8; 2] = [0xa5, 0x5a];
/// The first two bytes of a reply.
pub const REPLY_SYNC: [u8; 2] = [0x5a, 0xa5];
/// Byte times (10 bits each) of silence inside a frame after which the board gives up on it.
pub const QUIET_BYTES: usize = 64;

pub const STATUS_OK: u8 = 0;
pub const STATUS_TIMEOUT: u8 = 1;
pub const STATUS_LENGTH: u8 = 2;
pub const STATUS_CRC: u8 = 3;
pub const STATUS_RANGE: u8 = 4;
pub const STATUS_SKIPPED: u8 = 0x80;

/// CRC-8 with polynomial 0x07 (x^8 + x^2 + x + 1), initial value 0, no reflection, no final XOR
/// ("CRC-8/SMBUS"; the check value of `b"123456789"` is 0xF4).
pub fn crc8(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |crc, &b| (0..8).fold(crc ^ b, |c, _| if c & 0x80 != 0 { (c << 1) ^ 0x07 } else { c << 1 }))
}

/// The frame of one image.
pub fn frame(pixels: &[u8]) -> Vec<u8> {
    let n = pixels.len() as u16;
    let mut body = n.to_le_bytes().to_vec();
    body.extend_from_slice(pixels);
    let mut f = FRAME_SYNC.to_vec();
    f.extend_from_slice(&body);
    f.push(crc8(&body));
    f
}

/// Bytes of a reply for `classes` classes.
pub fn reply_len(classes: usize) -> usize {
    2 + 2 + 4 * classes + 1
}

/// A decoded reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u8,
    pub class: u8,
    pub scores: Vec<i32>,
}

impl Reply {
    /// The status without the skipped-bytes flag.
    pub fn error(&self) -> u8 {
        self.status & !STATUS_SKIPPED
    }

    /// What the status means.
    pub fn describe(&self) -> &'static str {
        match self.error() {
            STATUS_OK => "classified",
            STATUS_TIMEOUT => "the line went quiet inside the frame",
            STATUS_LENGTH => "the frame's pixel count is not the network's",
            STATUS_CRC => "the frame's CRC does not match",
            STATUS_RANGE => "a pixel is above the network's largest",
            _ => "unknown status",
        }
    }
}

/// Why reply bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("the reply has {got} bytes; {want} expected")]
    Length { got: usize, want: usize },
    #[error("the reply starts with {0:02x?}, not 5a a5")]
    Sync([u8; 2]),
    #[error("the reply's CRC is {got:#04x}; its bytes give {want:#04x}")]
    Crc { got: u8, want: u8 },
}

/// Decodes one reply of `classes` classes.
pub fn decode_reply(bytes: &[u8], classes: usize) -> Result<Reply, ProtocolError> {
    let want = reply_len(classes);
    if bytes.len() != want {
        return Err(ProtocolError::Length { got: bytes.len(), want });
    }
    if bytes[..2] != REPLY_SYNC {
        return Err(ProtocolError::Sync([bytes[0], bytes[1]]));
    }
    let body = &bytes[2..want - 1];
    let crc = crc8(body);
    if crc != bytes[want - 1] {
        return Err(ProtocolError::Crc { got: bytes[want - 1], want: crc });
    }
    let scores = body[2..].chunks(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    Ok(Reply { status: body[0], class: body[1], scores })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc8_is_crc8_smbus() {
        assert_eq!(crc8(b"123456789"), 0xf4);
        assert_eq!(crc8(&[]), 0);
    }

    #[test]
    fn frames_and_replies_round_trip() {
        let f = frame(&[1, 2, 3]);
        assert_eq!(&f[..4], &[0xa5, 0x5a, 3, 0]);
        assert_eq!(f[7], crc8(&[3, 0, 1, 2, 3]));
        let mut r = REPLY_SYNC.to_vec();
        let body = [0u8, 2, 0xff, 0xff, 0xff, 0xff, 5, 0, 0, 0];
        r.extend_from_slice(&body);
        r.push(crc8(&body));
        let d = decode_reply(&r, 2).unwrap();
        assert_eq!((d.status, d.class, d.scores), (0, 2, vec![-1, 5]));
        r[5] ^= 1;
        assert!(matches!(decode_reply(&r, 2), Err(ProtocolError::Crc { .. })));
        assert_eq!(decode_reply(&r[..5], 2), Err(ProtocolError::Length { got: 5, want: 13 }));
    }
}
