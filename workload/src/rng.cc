#include "tflo/workload/rng.h"

#include <array>
#include <bit>
#include <cmath>
#include <cstring>

namespace tflo::workload {

uint64_t SplitMix64(uint64_t& state) {
  state += 0x9E3779B97F4A7C15ULL;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

namespace rng_internal {

// The ziggurat's edges x[0..128] (see rng.h): x[0] = V / f(R), x[1] = R,
// then equal areas, x[i] * (f(x[i + 1]) - f(x[i])) = V, so
// x[i + 1] = sqrt(-2 log(V / x[i] + f(x[i]))), and x[128] = 0. Written out
// (hex, exact) so that the table is a constant: the inline fast path reads
// it without a guard. RngTest.ZigguratAndExpTablesEqualTheirFormulas
// recomputes every entry with the formulas above.
constexpr std::array<double, kZigguratLayers + 1> kZigguratX = {
    0x1.db4668fe7e4a4p+1, 0x1.b8a7c476d2be8p+1, 0x1.9c8e0c7c8098fp+1,
    0x1.8aa73e440ffbcp+1, 0x1.7d45eb36eb842p+1, 0x1.7279dd4ac3f9dp+1,
    0x1.695c2be68edc9p+1, 0x1.616dff7c8f54ap+1, 0x1.5a61edf7e8f32p+1,
    0x1.54052012a04a4p+1, 0x1.4e3456b0e3a1bp+1, 0x1.48d61806d601p+1,
    0x1.43d75b60bca1dp+1, 0x1.3f29848d3b416p+1, 0x1.3ac11b8e206d6p+1,
    0x1.3694f3a3740d9p+1, 0x1.329d9725e32f7p+1, 0x1.2ed4df8099571p+1,
    0x1.2b35aa5ebee3ep+1, 0x1.27bba2b5dbc92p+1, 0x1.246317a6b53cp+1,
    0x1.2128dd36bdf09p+1, 0x1.1e0a342cf08f6p+1, 0x1.1b04b731f6bccp+1,
    0x1.18164be0c1c39p+1, 0x1.153d16d45743dp+1, 0x1.12777201834f3p+1,
    0x1.0fc3e4d95f278p+1, 0x1.0d211dd28b00fp+1, 0x1.0a8ded0ec371ap+1,
    0x1.08093fe3e40e1p+1, 0x1.05921d1c4d769p+1, 0x1.0327a1cc4cf5ep+1,
    0x1.00c8fea1720d4p+1, 0x1.fceaeb2ca5f17p+0, 0x1.f858aff31cbfp+0,
    0x1.f3da097460823p+0, 0x1.ef6dcddc7d392p+0, 0x1.eb12e91486bbcp+0,
    0x1.e6c85a849b015p+0, 0x1.e28d331c6723cp+0, 0x1.de609397e09b9p+0,
    0x1.da41aaf79a344p+0, 0x1.d62fb52580b86p+0, 0x1.d229f9bfeefdbp+0,
    0x1.ce2fcb05f8c34p+0, 0x1.ca4084e091e34p+0, 0x1.c65b8c04dbac2p+0,
    0x1.c2804d2c6b16fp+0, 0x1.beae3c60cd0e4p+0, 0x1.bae4d457ee119p+0,
    0x1.b72395df5b73bp+0, 0x1.b36a075498d64p+0, 0x1.afb7b428fe7a1p+0,
    0x1.ac0c2c6fc6382p+0, 0x1.a867047516e4fp+0, 0x1.a4c7d45d01a31p+0,
    0x1.a12e37c983369p+0, 0x1.9d99cd86b58b4p+0, 0x1.9a0a373c73f21p+0,
    0x1.967f1924c7b06p+0, 0x1.92f819c682bf5p+0, 0x1.8f74e1b37c6b8p+0,
    0x1.8bf51b49ef337p+0, 0x1.88787278810a6p+0, 0x1.84fe9484873b9p+0,
    0x1.81872fd21db73p+0, 0x1.7e11f3adaeb92p+0, 0x1.7a9e90168b8eep+0,
    0x1.772cb58a39dd6p+0, 0x1.73bc14d01a2c9p+0, 0x1.704c5ec50cb81p+0,
    0x1.6cdd4426b88a5p+0, 0x1.696e755e16b84p+0, 0x1.65ffa248e016dp+0,
    0x1.62907a0176ebfp+0, 0x1.5f20aaa4dfc1ap+0, 0x1.5bafe11654817p+0,
    0x1.583dc8bff3219p+0, 0x1.54ca0b4ffd349p+0, 0x1.515450720f455p+0,
    0x1.4ddc3d83a5b84p+0, 0x1.4a617543306ccp+0, 0x1.46e39778de063p+0,
    0x1.436240982ad9dp+0, 0x1.3fdd09591d2a4p+0, 0x1.3c538647ef792p+0,
    0x1.38c54749b9033p+0, 0x1.3531d7146a43ep+0, 0x1.3198ba982d911p+0,
    0x1.2df97057e7efbp+0, 0x1.2a536fae30e33p+0, 0x1.26a627fb9d12p+0,
    0x1.22f0ffbaa1e55p+0, 0x1.1f335374a10f8p+0, 0x1.1b6c7492c9735p+0,
    0x1.179ba80463fecp+0, 0x1.13c024b2c7ec6p+0, 0x1.0fd911b97f236p+0,
    0x1.0be58456ff4aep+0, 0x1.07e47d87a40f6p+0, 0x1.03d4e7391c5b7p+0,
    0x1.ff6b21fffe31ap-1, 0x1.f70a5866c8f46p-1, 0x1.ee848e956826fp-1,
    0x1.e5d6909f51b6ap-1, 0x1.dcfccc51c59fp-1,  0x1.d3f340dda611cp-1,
    0x1.cab56ac6a38d3p-1, 0x1.c13e2b014e85cp-1, 0x1.b787a7c516f3bp-1,
    0x1.ad8b2506a137cp-1, 0x1.a340d1baf5b18p-1, 0x1.989f85c753b2cp-1,
    0x1.8d9c6a9d35e3dp-1, 0x1.822a858af0e7dp-1, 0x1.763a1600eec74p-1,
    0x1.69b7b213f3f69p-1, 0x1.5c8afdbf0217bp-1, 0x1.4e94c08c0bab7p-1,
    0x1.3fabee1911cd7p-1, 0x1.2f98d6bb4f41fp-1, 0x1.1e0ce6b5969b3p-1,
    0x1.0a936da5e55adp-1, 0x1.e8e576e43fbefp-2, 0x1.b4c8fece48e83p-2,
    0x1.73949184db9dfp-2, 0x1.16db47e193e1ap-2, 0x0p+0,
};

constexpr std::array<ZigguratStrip, kZigguratLayers> kZigguratStrips = [] {
  std::array<ZigguratStrip, kZigguratLayers> strips{};
  for (size_t i = 0; i < strips.size(); ++i) {
    strips[i] = {kZigguratX[i], kZigguratX[i + 1] / kZigguratX[i]};
  }
  return strips;
}();

// 2^(j/64), j = 0..63 (std::exp2's values, checked by the same test).
constexpr std::array<double, kExpTableSize> kExp2Table = {
    0x1p+0,
    0x1.02c9a3e778061p+0,
    0x1.059b0d3158574p+0,
    0x1.0874518759bc8p+0,
    0x1.0b5586cf9890fp+0,
    0x1.0e3ec32d3d1a2p+0,
    0x1.11301d0125b51p+0,
    0x1.1429aaea92dep+0,
    0x1.172b83c7d517bp+0,
    0x1.1a35beb6fcb75p+0,
    0x1.1d4873168b9aap+0,
    0x1.2063b88628cd6p+0,
    0x1.2387a6e756238p+0,
    0x1.26b4565e27cddp+0,
    0x1.29e9df51fdee1p+0,
    0x1.2d285a6e4030bp+0,
    0x1.306fe0a31b715p+0,
    0x1.33c08b26416ffp+0,
    0x1.371a7373aa9cbp+0,
    0x1.3a7db34e59ff7p+0,
    0x1.3dea64c123422p+0,
    0x1.4160a21f72e2ap+0,
    0x1.44e086061892dp+0,
    0x1.486a2b5c13cdp+0,
    0x1.4bfdad5362a27p+0,
    0x1.4f9b2769d2ca7p+0,
    0x1.5342b569d4f82p+0,
    0x1.56f4736b527dap+0,
    0x1.5ab07dd485429p+0,
    0x1.5e76f15ad2148p+0,
    0x1.6247eb03a5585p+0,
    0x1.6623882552225p+0,
    0x1.6a09e667f3bcdp+0,
    0x1.6dfb23c651a2fp+0,
    0x1.71f75e8ec5f74p+0,
    0x1.75feb564267c9p+0,
    0x1.7a11473eb0187p+0,
    0x1.7e2f336cf4e62p+0,
    0x1.82589994cce13p+0,
    0x1.868d99b4492edp+0,
    0x1.8ace5422aa0dbp+0,
    0x1.8f1ae99157736p+0,
    0x1.93737b0cdc5e5p+0,
    0x1.97d829fde4e5p+0,
    0x1.9c49182a3f09p+0,
    0x1.a0c667b5de565p+0,
    0x1.a5503b23e255dp+0,
    0x1.a9e6b5579fdbfp+0,
    0x1.ae89f995ad3adp+0,
    0x1.b33a2b84f15fbp+0,
    0x1.b7f76f2fb5e47p+0,
    0x1.bcc1e904bc1d2p+0,
    0x1.c199bdd85529cp+0,
    0x1.c67f12e57d14bp+0,
    0x1.cb720dcef9069p+0,
    0x1.d072d4a07897cp+0,
    0x1.d5818dcfba487p+0,
    0x1.da9e603db3285p+0,
    0x1.dfc97337b9b5fp+0,
    0x1.e502ee78b3ff6p+0,
    0x1.ea4afa2a490dap+0,
    0x1.efa1bee615a27p+0,
    0x1.f50765b6e454p+0,
    0x1.fa7c1819e90d8p+0,
};

}  // namespace rng_internal

namespace {

using rng_internal::kZigguratLayers;
using rng_internal::kZigguratX;

double HalfDensity(double x) { return std::exp(-0.5 * x * x); }

// f(x[i]) for the wedge test (the slow path only).
const std::array<double, kZigguratLayers + 1>& ZigguratDensities() {
  static const std::array<double, kZigguratLayers + 1> f = [] {
    std::array<double, kZigguratLayers + 1> out{};
    for (size_t i = 0; i < out.size(); ++i) out[i] = HalfDensity(kZigguratX[i]);
    return out;
  }();
  return f;
}

}  // namespace

Rng::Rng(uint64_t seed) {
  for (uint64_t& word : state_) word = SplitMix64(seed);
}

Rng Rng::ForStream(uint64_t seed, uint64_t stream) {
  uint64_t state = seed ^ (stream * 0xD1B54A32D192ED03ULL);
  SplitMix64(state);
  return Rng(SplitMix64(state));
}

uint64_t Rng::UniformInt(uint64_t n) {
  if (n <= 1) return 0;
  // Reject the top partial block so every residue is equally likely.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
  uint64_t x = Next();
  while (x >= limit) x = Next();
  return x % n;
}

double Rng::Exponential(double mean) {
  // 1 - u lies in (0, 1], so the log is finite.
  return -mean * std::log(1.0 - Uniform());
}

double Rng::NormalOutside(uint64_t bits, double u) {
  // Normal()'s loop, past its fast test: the same draws in the same order.
  const auto layer = static_cast<size_t>(bits & (kZigguratLayers - 1));
  const double x = u * kZigguratX[layer];
  if (layer == 0) return NormalTail(u < 0);
  // In the layer's wedge: keep x with probability (f(x) - f(x[i])) / (f(x[i+1]) - f(x[i])).
  const std::array<double, kZigguratLayers + 1>& f = ZigguratDensities();
  const double y = f[layer] + Uniform() * (f[layer + 1] - f[layer]);
  if (y < HalfDensity(x)) return x;
  return Normal();  // rejected: a new draw
}

double Rng::NormalTail(bool negative) {
  // Marsaglia (1964): the normal's tail beyond R from two exponentials.
  double a = 0;
  double b = 0;
  do {
    a = -std::log(1.0 - Uniform()) / rng_internal::kZigguratR;
    b = -std::log(1.0 - Uniform());
  } while (b + b < a * a);
  return negative ? -(rng_internal::kZigguratR + a) : rng_internal::kZigguratR + a;
}

double ExpForTesting(double x) { return rng_internal::ExpOfDraw(x); }

namespace {

// The 8 bytes of `v`, most significant first (the ids' byte order).
void PutBigEndian(uint64_t v, uint8_t* out) {
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  std::memcpy(out, &v, sizeof(v));
}

}  // namespace

core::TraceId Rng::NewTraceId() {
  uint64_t hi = 0;
  uint64_t lo = 0;
  do {
    hi = Next();
    lo = Next();
  } while ((hi | lo) == 0);  // all-zero ids are invalid
  core::TraceId id;
  PutBigEndian(hi, id.data());
  PutBigEndian(lo, id.data() + 8);
  return id;
}

core::SpanId Rng::NewSpanId() {
  uint64_t v = Next();
  while (v == 0) v = Next();  // all-zero ids are invalid
  core::SpanId id;
  PutBigEndian(v, id.data());
  return id;
}

std::string HexWord(uint64_t v, int digits) {
  static constexpr const char* kHex = "0123456789abcdef";
  std::string out(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kHex[v & 0xF];
    v >>= 4;
  }
  return out;
}

std::string Rng::NewUuid() {
  const uint64_t hi = (Next() & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  const uint64_t lo = (Next() & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  static constexpr const char* kHex = "0123456789abcdef";
  // 8-4-4-4-12 hex digits: hi in the first three groups, lo in the last two.
  std::string out(36, '-');
  size_t pos = 0;
  const auto put = [&](uint64_t v, size_t digits) {
    for (size_t i = digits; i-- > 0;) {
      out[pos + i] = kHex[v & 0xF];
      v >>= 4;
    }
    pos += digits + 1;  // and the dash
  };
  put(hi >> 32, 8);
  put((hi >> 16) & 0xFFFF, 4);
  put(hi & 0xFFFF, 4);
  put(lo >> 48, 4);
  put(lo & 0xFFFFFFFFFFFFULL, 12);
  return out;
}

}  // namespace tflo::workload
