// Atomic replacement, hashing, diffs and redaction for the actuators.

#include "tflo/actuators/file_ops.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <openssl/evp.h>
#include <sys/stat.h>

namespace tflo::actuators {
namespace {

namespace fs = std::filesystem;

Status ErrnoStatus(int err, const std::string& what) {
  // std::strerror is not thread-safe; the generic category gives the same text.
  std::string message = what + ": " + std::generic_category().message(err);
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return NotFoundError(std::move(message));
    case EACCES:
    case EPERM:
    case EROFS:
      return PermissionDeniedError(std::move(message));
    case ENOSPC:
    case EDQUOT:
      return ResourceExhaustedError(std::move(message));
    case EISDIR:
      return FailedPreconditionError(std::move(message));
    default:
      return InternalError(std::move(message));
  }
}

std::string RandomHex(int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string out;
  for (int i = 0; i < digits; ++i) out += kHex[rd() % 16];
  return out;
}

Status WriteAll(int fd, std::string_view content, const std::string& what) {
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, what);
    }
    done += static_cast<size_t>(n);
  }
  return OkStatus();
}

// ---------------------------------------------------------------------------
// Line diff.

struct Line {
  std::string_view text;  // without the '\n'
  bool newline = true;    // false only for a last line without terminator

  friend bool operator==(const Line& a, const Line& b) {
    return a.text == b.text && a.newline == b.newline;
  }
};

std::vector<Line> SplitLines(std::string_view s) {
  std::vector<Line> lines;
  size_t start = 0;
  while (start < s.size()) {
    const size_t nl = s.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back({s.substr(start), false});
      break;
    }
    lines.push_back({s.substr(start, nl - start), true});
    start = nl + 1;
  }
  return lines;
}

enum class OpKind { kEqual, kDelete, kInsert };
struct Op {
  OpKind kind;
  size_t old_index;  // valid for kEqual, kDelete
  size_t new_index;  // valid for kEqual, kInsert
};

// Linear-space Myers: find the middle snake of the box [xoff, xlim) x
// [yoff, ylim) with simultaneous forward and backward searches, split there,
// recurse. Lines are compared as equivalence-class numbers. Ties are broken the
// way diff(1) breaks them (forward: prefer the deletion; diagonals scanned from
// the highest), so equally short diffs come out the same.
class LineDiffer {
 public:
  LineDiffer(const std::vector<int>& a, const std::vector<int>& b, std::vector<char>& changed_a,
             std::vector<char>& changed_b)
      : a_(a),
        b_(b),
        changed_a_(changed_a),
        changed_b_(changed_b),
        offset_(static_cast<int64_t>(b.size()) + 1),
        fd_(a.size() + b.size() + 3, 0),
        bd_(a.size() + b.size() + 3, 0) {}

  void Compare(int64_t xoff, int64_t xlim, int64_t yoff, int64_t ylim) {
    while (xoff < xlim && yoff < ylim && a_[Idx(xoff)] == b_[Idx(yoff)]) {
      ++xoff;
      ++yoff;
    }
    while (xlim > xoff && ylim > yoff && a_[Idx(xlim - 1)] == b_[Idx(ylim - 1)]) {
      --xlim;
      --ylim;
    }
    if (xoff == xlim) {
      for (int64_t y = yoff; y < ylim; ++y) changed_b_[Idx(y) + 1] = 1;
    } else if (yoff == ylim) {
      for (int64_t x = xoff; x < xlim; ++x) changed_a_[Idx(x) + 1] = 1;
    } else {
      const auto [xmid, ymid] = MiddleSnake(xoff, xlim, yoff, ylim);
      Compare(xoff, xmid, yoff, ymid);
      Compare(xmid, xlim, ymid, ylim);
    }
  }

 private:
  // Past this many edit steps in one box, settle for the furthest point
  // reached: still a correct diff, maybe not a minimal one (huge rewrites).
  static constexpr int64_t kMaxCost = 4096;

  static size_t Idx(int64_t v) { return static_cast<size_t>(v); }
  int64_t& F(int64_t d) { return fd_[static_cast<size_t>(d + offset_)]; }
  int64_t& B(int64_t d) { return bd_[static_cast<size_t>(d + offset_)]; }

  std::pair<int64_t, int64_t> MiddleSnake(int64_t xoff, int64_t xlim, int64_t yoff, int64_t ylim) {
    const int64_t dmin = xoff - ylim;
    const int64_t dmax = xlim - yoff;
    const int64_t fmid = xoff - yoff;
    const int64_t bmid = xlim - ylim;
    int64_t fmin = fmid;
    int64_t fmax = fmid;
    int64_t bmin = bmid;
    int64_t bmax = bmid;
    const bool odd = ((fmid - bmid) & 1) != 0;
    F(fmid) = xoff;
    B(bmid) = xlim;
    for (int64_t cost = 1;; ++cost) {
      // One more edit step forward on every active diagonal.
      if (fmin > dmin) {
        F(--fmin - 1) = -1;
      } else {
        ++fmin;
      }
      if (fmax < dmax) {
        F(++fmax + 1) = -1;
      } else {
        --fmax;
      }
      for (int64_t d = fmax; d >= fmin; d -= 2) {
        const int64_t lo = F(d - 1);
        const int64_t hi = F(d + 1);
        int64_t x = lo >= hi ? lo + 1 : hi;
        int64_t y = x - d;
        while (x < xlim && y < ylim && a_[Idx(x)] == b_[Idx(y)]) {
          ++x;
          ++y;
        }
        F(d) = x;
        if (odd && bmin <= d && d <= bmax && B(d) <= x) return {x, y};
      }
      // And one more backward.
      if (bmin > dmin) {
        B(--bmin - 1) = std::numeric_limits<int64_t>::max();
      } else {
        ++bmin;
      }
      if (bmax < dmax) {
        B(++bmax + 1) = std::numeric_limits<int64_t>::max();
      } else {
        --bmax;
      }
      for (int64_t d = bmax; d >= bmin; d -= 2) {
        const int64_t lo = B(d - 1);
        const int64_t hi = B(d + 1);
        int64_t x = lo < hi ? lo : hi - 1;
        int64_t y = x - d;
        while (x > xoff && y > yoff && a_[Idx(x - 1)] == b_[Idx(y - 1)]) {
          --x;
          --y;
        }
        B(d) = x;
        if (!odd && fmin <= d && d <= fmax && x <= F(d)) return {x, y};
      }
      if (cost >= kMaxCost) {
        int64_t best_x = xoff;
        int64_t best_y = yoff;
        for (int64_t d = fmax; d >= fmin; d -= 2) {
          const int64_t x = std::min(F(d), xlim);
          const int64_t y = x - d;
          if (y < yoff || y > ylim) continue;
          if (x + y > best_x + best_y) {
            best_x = x;
            best_y = y;
          }
        }
        if (best_x + best_y > xoff + yoff && !(best_x == xlim && best_y == ylim)) {
          return {best_x, best_y};
        }
      }
    }
  }

  const std::vector<int>& a_;
  const std::vector<int>& b_;
  std::vector<char>& changed_a_;
  std::vector<char>& changed_b_;
  int64_t offset_;
  std::vector<int64_t> fd_;
  std::vector<int64_t> bd_;
};

// diff -u slides each run of changes over identical neighbouring lines: first
// as far back as it goes, then forward as far as it goes (merging with runs it
// meets), then back again until it lines up with a change in the other file.
// Doing the same makes our hunks read like the ones people are used to, and
// byte-identical to GNU diff's for typical edits. `changed` and `other` carry a
// zero sentinel at both ends (index 0 and size - 1); lines are 1..n.
void ShiftBoundaries(const std::vector<Line>& lines, std::vector<char>& changed,
                     const std::vector<char>& other) {
  const size_t i_end = lines.size() + 1;  // sentinel index
  const auto same = [&](size_t x, size_t y) { return lines[x - 1] == lines[y - 1]; };
  size_t i = 1;
  size_t j = 1;
  while (true) {
    while (i < i_end && changed[i] == 0) {
      while (other[j++] != 0) {
      }
      ++i;
    }
    if (i == i_end) break;
    size_t start = i;
    while (changed[++i] != 0) {
    }
    while (other[j] != 0) ++j;
    size_t runlength;
    size_t corresponding;
    do {
      runlength = i - start;
      while (start > 1 && same(start - 1, i - 1)) {
        changed[--start] = 1;
        changed[--i] = 0;
        while (changed[start - 1] != 0) --start;
        while (other[--j] != 0) {
        }
      }
      corresponding = other[j - 1] != 0 ? i : i_end;
      while (i != i_end && same(start, i)) {
        changed[start++] = 0;
        changed[i++] = 1;
        while (changed[i] != 0) ++i;
        while (other[++j] != 0) corresponding = i;
      }
    } while (runlength != i - start);
    while (corresponding < i) {
      changed[--start] = 1;
      changed[--i] = 0;
      while (other[--j] != 0) {
      }
    }
  }
}

std::string RangeHeader(size_t start0, size_t count) {
  // diff -u's convention: an empty range names the line before it.
  if (count == 0) return std::to_string(start0) + ",0";
  if (count == 1) return std::to_string(start0 + 1);
  return std::to_string(start0 + 1) + "," + std::to_string(count);
}

void AppendLine(std::string& out, char prefix, const Line& line) {
  out += prefix;
  out.append(line.text);
  out += '\n';
  if (!line.newline) out += "\\ No newline at end of file\n";
}

// ---------------------------------------------------------------------------
// Redaction.

bool ContainsSecretWord(std::string key) {
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  static constexpr std::string_view kWords[] = {
      "authorization", "api-key",     "api_key",    "apikey",     "x-api-key",   "token",
      "password",      "passwd",      "secret",     "bearer",     "private_key", "private-key",
      "privatekey",    "credentials", "access_key", "access-key", "cookie"};
  for (std::string_view w : kWords) {
    if (key.find(w) != std::string::npos) return true;
  }
  // x-<vendor>-key style headers.
  return key.size() > 6 && key.rfind("x-", 0) == 0 && key.size() >= 4 &&
         key.compare(key.size() - 4, 4, "-key") == 0;
}

constexpr std::string_view kRedacted = "<redacted>";

struct KeyMatch {
  bool found = false;
  size_t key_column = 0;   // where the key starts in the body
  size_t value_start = 0;  // first byte of the value (after separator and blanks)
  bool secret = false;
};

// Parses `<blanks>[- ]...<key><sep><value>` where sep is ": " / ":" at end,
// or "=", and the key may be quoted.
KeyMatch MatchKey(std::string_view body) {
  KeyMatch m;
  size_t i = 0;
  while (i < body.size()) {
    if (body[i] == ' ' || body[i] == '\t') {
      ++i;
    } else if (body[i] == '-' &&
               (i + 1 == body.size() || body[i + 1] == ' ' || body[i + 1] == '-')) {
      ++i;  // sequence markers and "--flag=" prefixes
    } else {
      break;
    }
  }
  if (i >= body.size()) return m;
  m.key_column = i;
  std::string key;
  size_t j = i;
  if (body[j] == '"' || body[j] == '\'') {
    const char q = body[j];
    const size_t close = body.find(q, j + 1);
    if (close == std::string_view::npos) return m;
    key = std::string(body.substr(j + 1, close - j - 1));
    j = close + 1;
    while (j < body.size() && (body[j] == ' ' || body[j] == '\t')) ++j;
    if (j >= body.size() || (body[j] != ':' && body[j] != '=')) return m;
  } else {
    while (j < body.size() && body[j] != ':' && body[j] != '=' && body[j] != ' ' &&
           body[j] != '\t' && body[j] != '#' && body[j] != '"' && body[j] != '\'') {
      ++j;
    }
    key = std::string(body.substr(i, j - i));
    if (key.empty() || j >= body.size()) return m;
    if (body[j] == ':') {
      if (j + 1 < body.size() && body[j + 1] != ' ' && body[j + 1] != '\t' && body[j + 1] != '\r') {
        return m;
      }
    } else if (body[j] != '=') {
      return m;
    }
  }
  ++j;  // the separator
  while (j < body.size() && (body[j] == ' ' || body[j] == '\t')) ++j;
  m.found = true;
  m.value_start = j;
  m.secret = ContainsSecretWord(key);
  return m;
}

// Replaces the value starting at `start` (running to the end of `body`).
std::string RedactValue(std::string_view body, size_t start) {
  std::string out(body.substr(0, start));
  const std::string_view value = body.substr(start);
  if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
    const size_t close = value.find(value.front(), 1);
    out += value.front();
    out += kRedacted;
    out += value.front();
    if (close != std::string_view::npos) {
      // Keep a JSON separator after the closing quote, nothing else.
      const std::string_view after = value.substr(close + 1);
      if (!after.empty() && after.front() == ',') out += ',';
    }
    return out;
  }
  out += kRedacted;
  if (!value.empty() && value.back() == ',') out += ',';
  return out;
}

// Every `"key": value` pair on the line whose key looks secret (single-line
// JSON objects hold several pairs per line).
std::string RedactJsonPairs(std::string line) {
  size_t i = 0;
  while (i < line.size()) {
    const size_t open = line.find('"', i);
    if (open == std::string::npos) break;
    const size_t close = line.find('"', open + 1);
    if (close == std::string::npos) break;
    size_t j = close + 1;
    while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;
    if (j >= line.size() || line[j] != ':' ||
        !ContainsSecretWord(line.substr(open + 1, close - open - 1))) {
      i = close + 1;
      continue;
    }
    ++j;
    while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;
    size_t begin = j;
    size_t end = j;
    if (j < line.size() && line[j] == '"') {
      begin = j + 1;
      end = begin;
      while (end < line.size() && line[end] != '"') end += line[end] == '\\' ? 2 : 1;
      end = std::min(end, line.size());
    } else {
      while (end < line.size() && line[end] != ',' && line[end] != '}' && line[end] != ']' &&
             line[end] != '\r') {
        ++end;
      }
    }
    if (end > begin && line.compare(begin, end - begin, kRedacted) != 0) {
      line.replace(begin, end - begin, kRedacted);
      end = begin + kRedacted.size();
    }
    i = std::max(end, close + 1);
  }
  return line;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

// "Bearer xyz" / "Basic xyz" at the start of a value -> "Bearer <redacted>".
std::string RedactAuthSchemes(std::string body) {
  for (std::string_view scheme : {std::string_view("bearer "), std::string_view("basic ")}) {
    size_t from = 0;
    while (from < body.size()) {
      size_t hit = std::string::npos;
      for (size_t i = from; i + scheme.size() <= body.size(); ++i) {
        if (StartsWithIgnoreCase(std::string_view(body).substr(i), scheme)) {
          hit = i;
          break;
        }
      }
      if (hit == std::string::npos) break;
      size_t p = hit;
      while (p > 0 && (body[p - 1] == ' ' || body[p - 1] == '\t')) --p;
      const bool value_start = p == 0 || body[p - 1] == '"' || body[p - 1] == '\'' ||
                               body[p - 1] == ':' || body[p - 1] == '=' || body[p - 1] == ',' ||
                               body[p - 1] == '-' || body[p - 1] == '+';
      size_t tok = hit + scheme.size();
      while (tok < body.size() && body[tok] == ' ') ++tok;
      size_t end = tok;
      while (end < body.size() && body[end] != ' ' && body[end] != '\t' && body[end] != '"' &&
             body[end] != '\'' && body[end] != ',' && body[end] != '\r') {
        ++end;
      }
      if (value_start && end > tok && body.compare(tok, end - tok, kRedacted) != 0) {
        body.replace(tok, end - tok, kRedacted);
        end = tok + kRedacted.size();
      }
      from = std::max(end, hit + 1);
    }
  }
  return body;
}

}  // namespace

Result<std::string> ReadFileBytes(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot open " + path.string());
  std::string out;
  char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return ErrnoStatus(err, "cannot read " + path.string());
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status AtomicWriteFile(const std::filesystem::path& path, std::string_view content,
                       const std::function<void()>& before_rename) {
  // A symlinked config (Kubernetes ConfigMaps, dotfile managers) is updated
  // where it points, not replaced by a regular file.
  fs::path target = path;
  std::error_code ec;
  if (fs::is_symlink(path, ec)) {
    target = fs::weakly_canonical(path, ec);
    if (ec) return InternalError("cannot resolve symlink " + path.string() + ": " + ec.message());
  }
  const std::string where = "atomic write of " + target.string();
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  const std::string name = target.filename().string();
  if (name.empty()) return InvalidArgumentError(where + ": path has no file name");

  mode_t mode = 0644;
  struct stat st {};
  bool existed = false;
  if (::stat(target.c_str(), &st) == 0) {
    existed = true;
    if (S_ISDIR(st.st_mode)) return FailedPreconditionError(where + ": is a directory");
    mode = st.st_mode & 07777;
  } else if (errno != ENOENT) {
    return ErrnoStatus(errno, where + ": stat");
  }

  fs::path tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 10 && fd < 0; ++attempt) {
    tmp = dir / ("." + name + ".tflo-tmp-" + RandomHex(8));
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) {
      return ErrnoStatus(errno, where + ": cannot create " + tmp.string());
    }
  }
  if (fd < 0) return InternalError(where + ": cannot find a free temporary name");

  // From here on every failure removes the temporary file; the target is only
  // ever touched by the final rename(2).
  const auto fail = [&](Status s) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  };
  if (::fchmod(fd, mode) != 0) return fail(ErrnoStatus(errno, where + ": fchmod"));
  if (existed && (st.st_uid != ::geteuid() || st.st_gid != ::getegid())) {
    // Best effort: only root may give the file back to another owner.
    if (::fchown(fd, st.st_uid, st.st_gid) != 0) {
      errno = 0;
    }
  }
  if (Status s = WriteAll(fd, content, where + ": write " + tmp.string()); !s.ok()) return fail(s);
  if (::fsync(fd) != 0) return fail(ErrnoStatus(errno, where + ": fsync " + tmp.string()));
  const int close_rc = ::close(fd);
  fd = -1;
  if (close_rc != 0) return fail(ErrnoStatus(errno, where + ": close " + tmp.string()));

  if (before_rename) {
    try {
      before_rename();
    } catch (const std::exception& e) {
      return fail(InternalError(where + ": before_rename hook threw: " + e.what()));
    } catch (...) {
      return fail(InternalError(where + ": before_rename hook threw"));
    }
  }

  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    return fail(ErrnoStatus(errno, where + ": rename"));
  }

  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    return ErrnoStatus(errno, where + ": written, but cannot open directory to fsync it");
  }
  const int sync_rc = ::fsync(dfd);
  const int sync_err = errno;
  ::close(dfd);
  // Some filesystems cannot fsync directories (EINVAL); the rename is done.
  if (sync_rc != 0 && sync_err != EINVAL) {
    return ErrnoStatus(sync_err, where + ": written, but directory fsync failed");
  }
  return OkStatus();
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

std::string UnifiedDiff(std::string_view before, std::string_view after, std::string_view label) {
  constexpr size_t kContext = 3;
  const std::vector<Line> a = SplitLines(before);
  const std::vector<Line> b = SplitLines(after);

  // Common prefix and suffix first: configs differ in a few lines.
  size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
    ++suffix;
  }
  if (prefix == a.size() && prefix == b.size()) return "";

  // Equivalence classes: equal lines get equal numbers.
  std::map<std::pair<std::string_view, bool>, int> classes;
  const auto classify = [&](const std::vector<Line>& lines) {
    std::vector<int> ids;
    ids.reserve(lines.size());
    for (const Line& l : lines) {
      ids.push_back(
          classes.emplace(std::make_pair(l.text, l.newline), static_cast<int>(classes.size()))
              .first->second);
    }
    return ids;
  };
  const std::vector<int> ids_a = classify(a);
  const std::vector<int> ids_b = classify(b);
  std::vector<char> changed_a(a.size() + 2, 0);
  std::vector<char> changed_b(b.size() + 2, 0);
  // A line with no equal anywhere in the other text is changed for
  // sure; leaving it out of the search makes it cheaper and breaks ties
  // between equally short diffs the way diff(1) does.
  std::map<int, int> count_a;
  std::map<int, int> count_b;
  for (int id : ids_a) ++count_a[id];
  for (int id : ids_b) ++count_b[id];
  const auto compact = [](const std::vector<int>& ids, size_t lo, size_t hi,
                          const std::map<int, int>& other, std::vector<char>& changed,
                          std::vector<size_t>& real_index) {
    std::vector<int> kept;
    for (size_t i = lo; i < hi; ++i) {
      if (other.count(ids[i]) == 0) {
        changed[i + 1] = 1;
      } else {
        kept.push_back(ids[i]);
        real_index.push_back(i);
      }
    }
    return kept;
  };
  std::vector<size_t> real_a;
  std::vector<size_t> real_b;
  const std::vector<int> kept_a =
      compact(ids_a, prefix, a.size() - suffix, count_b, changed_a, real_a);
  const std::vector<int> kept_b =
      compact(ids_b, prefix, b.size() - suffix, count_a, changed_b, real_b);
  std::vector<char> kept_changed_a(kept_a.size() + 2, 0);
  std::vector<char> kept_changed_b(kept_b.size() + 2, 0);
  LineDiffer differ(kept_a, kept_b, kept_changed_a, kept_changed_b);
  differ.Compare(0, static_cast<int64_t>(kept_a.size()), 0, static_cast<int64_t>(kept_b.size()));
  for (size_t k = 0; k < kept_a.size(); ++k) changed_a[real_a[k] + 1] |= kept_changed_a[k + 1];
  for (size_t k = 0; k < kept_b.size(); ++k) changed_b[real_b[k] + 1] |= kept_changed_b[k + 1];
  ShiftBoundaries(a, changed_a, changed_b);
  ShiftBoundaries(b, changed_b, changed_a);
  // Unchanged lines of both sides pair up in order.
  std::vector<Op> ops;
  for (size_t i = 0, j = 0; i < a.size() || j < b.size();) {
    if (i < a.size() && j < b.size() && changed_a[i + 1] == 0 && changed_b[j + 1] == 0) {
      ops.push_back({OpKind::kEqual, i++, j++});
      continue;
    }
    const size_t progress = i + j;
    while (i < a.size() && changed_a[i + 1] != 0) ops.push_back({OpKind::kDelete, i++, 0});
    while (j < b.size() && changed_b[j + 1] != 0) ops.push_back({OpKind::kInsert, 0, j++});
    if (i + j == progress) {
      // Unreachable when the flags are consistent; keeps the loop finite anyway.
      if (i < a.size()) ops.push_back({OpKind::kDelete, i++, 0});
      if (j < b.size()) ops.push_back({OpKind::kInsert, 0, j++});
    }
  }

  // Runs of changes, merged when at most 2*context equal lines separate them
  // (their context would touch or overlap, as in diff -u).
  struct Run {
    size_t begin;
    size_t end;
  };
  std::vector<Run> runs;
  for (size_t i = 0; i < ops.size();) {
    if (ops[i].kind == OpKind::kEqual) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < ops.size() && ops[j].kind != OpKind::kEqual) ++j;
    if (!runs.empty() && i - runs.back().end <= 2 * kContext) {
      runs.back().end = j;
    } else {
      runs.push_back({i, j});
    }
    i = j;
  }

  // old_before[p] / new_before[p]: lines of each side consumed before op p.
  std::vector<size_t> old_before(ops.size() + 1, 0);
  std::vector<size_t> new_before(ops.size() + 1, 0);
  for (size_t p = 0; p < ops.size(); ++p) {
    old_before[p + 1] = old_before[p] + (ops[p].kind != OpKind::kInsert ? 1 : 0);
    new_before[p + 1] = new_before[p] + (ops[p].kind != OpKind::kDelete ? 1 : 0);
  }

  std::string out = "--- a/" + std::string(label) + "\n+++ b/" + std::string(label) + "\n";
  for (const Run& run : runs) {
    const size_t hs = run.begin >= kContext ? run.begin - kContext : 0;
    const size_t he = std::min(ops.size(), run.end + kContext);
    out += "@@ -" + RangeHeader(old_before[hs], old_before[he] - old_before[hs]) + " +" +
           RangeHeader(new_before[hs], new_before[he] - new_before[hs]) + " @@\n";
    for (size_t p = hs; p < he;) {
      if (ops[p].kind == OpKind::kEqual) {
        AppendLine(out, ' ', a[ops[p].old_index]);
        ++p;
        continue;
      }
      // Within a block of changes, every removal comes before every addition.
      size_t q = p;
      while (q < he && ops[q].kind != OpKind::kEqual) ++q;
      for (size_t r = p; r < q; ++r) {
        if (ops[r].kind == OpKind::kDelete) AppendLine(out, '-', a[ops[r].old_index]);
      }
      for (size_t r = p; r < q; ++r) {
        if (ops[r].kind == OpKind::kInsert) AppendLine(out, '+', b[ops[r].new_index]);
      }
      p = q;
    }
  }
  return out;
}

std::string RedactSecrets(std::string_view text) {
  // A unified diff carries a one-character prefix on every body line; plain
  // text (an excerpt of the YAML) does not.
  const bool is_diff = text.rfind("@@ ", 0) == 0 || text.find("\n@@ ") != std::string_view::npos;
  std::string out;
  out.reserve(text.size());
  // While >= 0: we are inside the block value of a secret key (e.g. a PEM under
  // `private_key: |`) and redact every more-indented line.
  int64_t secret_block_indent = -1;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    const bool has_nl = nl != std::string_view::npos;
    if (!has_nl) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    start = has_nl ? nl + 1 : text.size();
    std::string_view cr;
    if (!line.empty() && line.back() == '\r') {
      cr = line.substr(line.size() - 1);
      line.remove_suffix(1);
    }

    std::string prefix;
    std::string_view body = line;
    const bool header = is_diff && (line.rfind("@@ ", 0) == 0 || line.rfind("--- ", 0) == 0 ||
                                    line.rfind("+++ ", 0) == 0 || line.rfind("\\ ", 0) == 0);
    if (header) {
      if (line.rfind("@@ ", 0) == 0) secret_block_indent = -1;
      out.append(line);
    } else {
      if (is_diff && !line.empty() && (line[0] == ' ' || line[0] == '+' || line[0] == '-')) {
        prefix = std::string(1, line[0]);
        body = line.substr(1);
      }
      std::string result;
      size_t indent = 0;
      while (indent < body.size() && (body[indent] == ' ' || body[indent] == '\t')) ++indent;
      const bool blank = indent == body.size();
      if (secret_block_indent >= 0 && !blank &&
          static_cast<int64_t>(indent) > secret_block_indent) {
        result = std::string(body.substr(0, indent)) + std::string(kRedacted);
      } else {
        if (!blank) secret_block_indent = -1;
        const KeyMatch m = MatchKey(body);
        if (m.found && m.secret) {
          const std::string_view value = body.substr(m.value_start);
          if (value.empty() || value.front() == '|' || value.front() == '>' ||
              value.front() == '#') {
            secret_block_indent = static_cast<int64_t>(m.key_column);
            result = std::string(body);
          } else {
            result = RedactValue(body, m.value_start);
          }
        } else {
          result = std::string(body);
        }
        result = RedactAuthSchemes(RedactJsonPairs(std::move(result)));
      }
      out += prefix;
      out += result;
    }
    out.append(cr);
    if (has_nl) out += '\n';
  }
  return out;
}

}  // namespace tflo::actuators
