//! Port values of any width as little-endian 64-bit words, and their text forms.

/// An unsigned value of a port, least significant word first; bits above the port width are zero.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Value(pub Vec<u64>);

impl Value {
    /// The low `width` bits of a two's complement i128.
    pub fn from_i128(v: i128, width: usize) -> Value {
        use nbq_quant::golden::Accumulator;
        Value::from_words(&v.to_words(width as u32), width)
    }

    pub fn from_u64(v: u64, width: usize) -> Value {
        let mut out = vec![0u64; width.div_ceil(64).max(1)];
        out[0] = v;
        mask(&mut out, width);
        Value(out)
    }

    /// From little-endian words (already masked to the width or not), masked to `width`.
    pub fn from_words(words: &[u64], width: usize) -> Value {
        let mut out = vec![0u64; width.div_ceil(64).max(1)];
        for (o, w) in out.iter_mut().zip(words) {
            *o = *w;
        }
        mask(&mut out, width);
        Value(out)
    }

    /// The low `from` bits read as two's complement, sign-extended to `to` bits.
    pub fn sign_extend(&self, from: usize, to: usize) -> Value {
        let mut v = Value::from_words(&self.0, from);
        v.0.resize(to.div_ceil(64).max(1), 0);
        if from > 0 && self.bit(from - 1) {
            for i in from..to {
                v.0[i / 64] |= 1 << (i % 64);
            }
        }
        v
    }

    pub fn bit(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| (w >> (i % 64)) & 1 == 1)
    }

    /// Binary digits, most significant first, exactly `width` of them.
    pub fn to_binary(&self, width: usize) -> String {
        (0..width).rev().map(|i| if self.bit(i) { '1' } else { '0' }).collect()
    }

    /// Parses binary digits (most significant first); None if any digit is not 0 or 1 (x, z).
    pub fn from_binary(s: &str) -> Option<Value> {
        let width = s.len();
        let mut out = vec![0u64; width.div_ceil(64).max(1)];
        for (i, c) in s.bytes().rev().enumerate() {
            match c {
                b'0' => {}
                b'1' => out[i / 64] |= 1 << (i % 64),
                _ => return None,
            }
        }
        Some(Value(out))
    }

    /// The value read as a `width`-bit two's complement number, when it fits an i128.
    pub fn to_i128(&self, width: usize) -> Option<i128> {
        if width > 128 {
            let negative = self.bit(width - 1);
            // Representable only if bits 127.. are all equal to the sign.
            if (127..width).any(|i| self.bit(i) != negative) {
                return None;
            }
        }
        let lo =
            u128::from(self.0.first().copied().unwrap_or(0)) | u128::from(self.0.get(1).copied().unwrap_or(0)) << 64;
        let w = width.min(128) as u32;
        let shift = 128 - w;
        Some(((lo << shift) as i128) >> shift)
    }
}

fn mask(words: &mut [u64], width: usize) {
    for (i, w) in words.iter_mut().enumerate() {
        let lo = i * 64;
        if lo >= width {
            *w = 0;
        } else if width - lo < 64 {
            *w &= (1u64 << (width - lo)) - 1;
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "0x")?;
        let mut started = false;
        for (i, w) in self.0.iter().enumerate().rev() {
            if started {
                write!(f, "{w:016x}")?;
            } else if *w != 0 || i == 0 {
                write!(f, "{w:x}")?;
                started = true;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twos_complement_roundtrip() {
        for (v, w) in [(-1i128, 7usize), (3, 3), (-4, 3), (-48, 24), (i128::MIN / 4, 200), (12345, 130)] {
            let x = Value::from_i128(v, w);
            assert_eq!(x.to_i128(w), Some(v), "{v} in {w} bits");
            assert_eq!(Value::from_binary(&x.to_binary(w)), Some(x.clone()));
        }
        assert_eq!(Value::from_i128(-48, 24).to_string(), "0xffffd0");
        assert_eq!(Value::from_binary("01x1"), None);
        assert_eq!(Value::from_u64(0b1101, 4).sign_extend(3, 8), Value::from_u64(0b1111_1101, 8));
        assert_eq!(Value::from_u64(0b1011, 4).sign_extend(3, 70), Value::from_u64(0b011, 70));
        assert_eq!(Value::from_i128(-2, 70).sign_extend(70, 130), Value::from_i128(-2, 130));
    }
}
