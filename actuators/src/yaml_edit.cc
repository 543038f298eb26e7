// Comment-preserving scalar edits. yaml-cpp's event parser tells us where each
// node starts (Mark) and its style (flow/block, tag, anchor); everything else is
// done on the original bytes so that only the edited value moves.

#include "tflo/actuators/yaml_edit.h"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

namespace tflo::actuators {
namespace {

// ---------------------------------------------------------------------------
// A small document tree built from parser events, with positions.

struct YNode {
  enum class Kind { kNull, kScalar, kMap, kSeq, kAlias };
  Kind kind = Kind::kNull;
  YAML::Mark mark;
  std::string tag;
  YAML::anchor_t anchor = 0;  // anchor defined on this node (0 = none)
  YAML::anchor_t alias = 0;   // for kAlias: the anchor it refers to
  bool flow = false;          // flow-style collection
  std::string value;          // scalars
  std::vector<int> children;  // map: key, value, key, value...; seq: items
};

struct YTree {
  std::vector<YNode> nodes;
  int root = -1;  // -1: empty document
  int documents = 0;
  std::map<YAML::anchor_t, int> anchors;
};

class TreeBuilder : public YAML::EventHandler {
 public:
  explicit TreeBuilder(YTree& tree) : tree_(tree) {}

  void OnDocumentStart(const YAML::Mark& /*mark*/) override { ++tree_.documents; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    YNode n;
    n.kind = YNode::Kind::kNull;
    n.mark = mark;
    n.anchor = anchor;
    Add(std::move(n));
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    YNode n;
    n.kind = YNode::Kind::kAlias;
    n.mark = mark;
    n.alias = anchor;
    Add(std::move(n));
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    YNode n;
    n.kind = YNode::Kind::kScalar;
    n.mark = mark;
    n.tag = tag;
    n.anchor = anchor;
    n.value = value;
    Add(std::move(n));
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override {
    Open(YNode::Kind::kSeq, mark, tag, anchor, style);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    Open(YNode::Kind::kMap, mark, tag, anchor, style);
  }
  void OnMapEnd() override { Close(); }

 private:
  int Add(YNode n) {
    // Only the first document is kept: later ones are counted, not modelled.
    if (tree_.documents > 1) return -1;
    const int id = static_cast<int>(tree_.nodes.size());
    if (n.anchor != 0) tree_.anchors[n.anchor] = id;
    tree_.nodes.push_back(std::move(n));
    if (!stack_.empty()) {
      tree_.nodes[static_cast<size_t>(stack_.back())].children.push_back(id);
    } else if (tree_.root < 0) {
      tree_.root = id;
    }
    return id;
  }
  void Open(YNode::Kind kind, const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
            YAML::EmitterStyle::value style) {
    YNode n;
    n.kind = kind;
    n.mark = mark;
    n.tag = tag;
    n.anchor = anchor;
    n.flow = style == YAML::EmitterStyle::Flow;
    const int id = Add(std::move(n));
    if (id >= 0) stack_.push_back(id);
  }
  void Close() {
    if (tree_.documents <= 1 && !stack_.empty()) stack_.pop_back();
  }

  YTree& tree_;
  std::vector<int> stack_;
};

Result<YTree> ParseTree(std::string_view text, std::string_view source) {
  YTree tree;
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    TreeBuilder builder(tree);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const YAML::Exception& e) {
    // yaml-cpp's marks are 0-based; editors and messages count from 1.
    return InvalidArgumentError(std::string(source) + ":" + std::to_string(e.mark.line + 1) + ":" +
                                std::to_string(e.mark.column + 1) + ": malformed YAML: " + e.msg);
  }
  return tree;
}

std::string Where(std::string_view source, const YAML::Mark& mark) {
  return std::string(source) + ":" + std::to_string(mark.line + 1);
}

std::string JoinPath(const std::vector<std::string>& path, size_t count) {
  std::string out;
  for (size_t i = 0; i < count && i < path.size(); ++i) {
    if (i > 0) out += '.';
    out += path[i];
  }
  return out.empty() ? "<document root>" : out;
}

// ---------------------------------------------------------------------------
// Walking a key path.

struct WalkResult {
  size_t matched = 0;   // path components found
  int node = -1;        // node reached (the value of the last matched key); -1 = empty doc
  int parent_key = -1;  // key node of the last matched component
};

Result<WalkResult> Walk(const YTree& tree, const std::vector<std::string>& path,
                        std::string_view source, bool for_edit) {
  WalkResult w;
  w.node = tree.root;
  const auto refuse_anchor = [&](const YNode& n, size_t depth) -> Status {
    if (!for_edit) return OkStatus();
    if (n.kind == YNode::Kind::kAlias) {
      return UnimplementedError(Where(source, n.mark) + ": " + JoinPath(path, depth) +
                                " is an alias; editing through aliases is not supported");
    }
    if (n.anchor != 0) {
      return UnimplementedError(Where(source, n.mark) + ": " + JoinPath(path, depth) +
                                " carries an anchor (&); editing anchored nodes is not supported");
    }
    return OkStatus();
  };

  for (size_t i = 0; i < path.size(); ++i) {
    if (w.node < 0) return w;
    const YNode* cur = &tree.nodes[static_cast<size_t>(w.node)];
    TFLO_RETURN_IF_ERROR(refuse_anchor(*cur, i));
    if (cur->kind == YNode::Kind::kAlias) {
      auto it = tree.anchors.find(cur->alias);
      if (it == tree.anchors.end()) {
        return InvalidArgumentError(Where(source, cur->mark) + ": unknown alias");
      }
      cur = &tree.nodes[static_cast<size_t>(it->second)];
    }
    switch (cur->kind) {
      case YNode::Kind::kNull:
        return w;
      case YNode::Kind::kSeq:
        return InvalidArgumentError(Where(source, cur->mark) + ": " + JoinPath(path, i) +
                                    " is a sequence, cannot look up key \"" + path[i] + "\"");
      case YNode::Kind::kScalar:
        return InvalidArgumentError(Where(source, cur->mark) + ": " + JoinPath(path, i) +
                                    " is a scalar, cannot look up key \"" + path[i] + "\"");
      case YNode::Kind::kAlias:
        return UnimplementedError(Where(source, cur->mark) + ": alias of an alias");
      case YNode::Kind::kMap:
        break;
    }
    if (for_edit && cur->flow) {
      return UnimplementedError(Where(source, cur->mark) + ": " + JoinPath(path, i) +
                                " is a flow-style mapping ({...}); editing it is not supported");
    }
    int found_key = -1;
    int found_value = -1;
    for (size_t c = 0; c + 1 < cur->children.size(); c += 2) {
      const YNode& key = tree.nodes[static_cast<size_t>(cur->children[c])];
      if (key.kind == YNode::Kind::kScalar && key.value == "<<") {
        // A merge key can supply the value we are looking for; inserting or
        // reading next to it would give the wrong answer.
        return UnimplementedError(Where(source, key.mark) + ": " + JoinPath(path, i) +
                                  " uses a merge key (<<); not supported");
      }
      if (key.kind != YNode::Kind::kScalar || key.value != path[i]) continue;
      if (found_key >= 0) {
        return InvalidArgumentError(Where(source, key.mark) + ": duplicate key " +
                                    JoinPath(path, i + 1));
      }
      found_key = cur->children[c];
      found_value = cur->children[c + 1];
    }
    if (found_key < 0) return w;
    w.matched = i + 1;
    w.node = found_value;
    w.parent_key = found_key;
  }
  if (w.node >= 0) {
    TFLO_RETURN_IF_ERROR(refuse_anchor(tree.nodes[static_cast<size_t>(w.node)], path.size()));
  }
  return w;
}

// ---------------------------------------------------------------------------
// Text helpers.

bool IsLineBreak(char c) { return c == '\n' || c == '\r'; }
bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Position just past the line terminator of the line containing `pos`.
size_t NextLineStart(std::string_view text, size_t pos) {
  size_t end = text.find('\n', pos);
  return end == std::string_view::npos ? text.size() : end + 1;
}

// End of a plain scalar starting at `pos` on a single line: before " #", the
// line break, and trailing blanks.
size_t PlainScalarEnd(std::string_view text, size_t pos) {
  size_t end = pos;
  while (end < text.size() && !IsLineBreak(text[end])) {
    if (text[end] == '#' && end > pos && IsBlank(text[end - 1])) break;
    ++end;
  }
  while (end > pos && IsBlank(text[end - 1])) --end;
  return end;
}

// Index of the closing quote of a quoted scalar opened at `pos`, or npos if it
// is not closed on the same line.
size_t ClosingQuote(std::string_view text, size_t pos) {
  const char q = text[pos];
  for (size_t i = pos + 1; i < text.size(); ++i) {
    const char c = text[i];
    if (IsLineBreak(c)) return std::string_view::npos;
    if (q == '\'' && c == '\'') {
      if (i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;
        continue;
      }
      return i;
    }
    if (q == '"') {
      if (c == '\\') {
        ++i;
        continue;
      }
      if (c == '"') return i;
    }
  }
  return std::string_view::npos;
}

std::string LineEnding(std::string_view text) {
  const size_t nl = text.find('\n');
  if (nl != std::string_view::npos && nl > 0 && text[nl - 1] == '\r') return "\r\n";
  return "\n";
}

bool NeedsQuotes(std::string_view v) {
  if (v.empty()) return true;
  if (IsBlank(v.front()) || IsBlank(v.back())) return true;
  static constexpr std::string_view kIndicators = "-?:,[]{}#&*!|>'\"%@`";
  if (kIndicators.find(v.front()) != std::string_view::npos) {
    // "-5" and "-0.5" are plain numbers; other leading indicators need quotes.
    const bool negative_number =
        v.front() == '-' && v.size() > 1 &&
        (std::isdigit(static_cast<unsigned char>(v[1])) != 0 || v[1] == '.');
    if (!negative_number) return true;
  }
  if (v.find(": ") != std::string_view::npos || v.back() == ':') return true;
  if (v.find('#') != std::string_view::npos) return true;
  if (v.find('\t') != std::string_view::npos) return true;
  return false;
}

std::string DoubleQuoteEscape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

std::string SingleQuoteEscape(std::string_view v) {
  std::string out;
  for (char c : v) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out;
}

std::string FormatScalar(std::string_view v) {
  if (NeedsQuotes(v)) return "\"" + DoubleQuoteEscape(v) + "\"";
  return std::string(v);
}

Status CheckWritable(std::string_view what, std::string_view v) {
  for (char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) {
      return InvalidArgumentError(std::string(what) +
                                  " contains a control character or line break");
    }
  }
  return OkStatus();
}

bool IsExplicitNull(std::string_view token) {
  return token == "~" || token == "null" || token == "Null" || token == "NULL";
}

// Byte offset just past the ':' that follows the block mapping key `key`.
Result<size_t> ColonAfterKey(std::string_view text, const YNode& key, std::string_view source) {
  auto pos = static_cast<size_t>(key.mark.pos);
  size_t end;
  if (pos < text.size() && (text[pos] == '"' || text[pos] == '\'')) {
    end = ClosingQuote(text, pos);
    if (end == std::string_view::npos) {
      return UnimplementedError(Where(source, key.mark) + ": multi-line quoted key");
    }
    ++end;
  } else {
    end = pos + key.value.size();
    if (text.substr(pos, key.value.size()) != key.value) {
      return UnimplementedError(Where(source, key.mark) + ": unusual key syntax for \"" +
                                key.value + "\"");
    }
  }
  while (end < text.size() && IsBlank(text[end])) ++end;
  if (end >= text.size() || text[end] != ':') {
    return UnimplementedError(Where(source, key.mark) + ": cannot find ':' after key \"" +
                              key.value + "\"");
  }
  return end + 1;
}

// Index of the first byte after the last content line (not blank, not a
// comment) of the block mapping whose keys sit at `indent`, starting from the
// line holding `first_key_pos`. Returns the offset just past that line's
// terminator (or the end of the text when the line has none).
size_t EndOfBlock(std::string_view text, size_t first_key_pos, int indent) {
  size_t line_start = NextLineStart(text, first_key_pos);
  size_t insert_at = line_start;
  while (line_start < text.size()) {
    const size_t next = NextLineStart(text, line_start);
    size_t i = line_start;
    while (i < next && text[i] == ' ') ++i;
    const bool blank = i >= next || IsLineBreak(text[i]) || text[i] == '#' || text[i] == '\t';
    if (!blank) {
      const std::string_view rest = text.substr(line_start, next - line_start);
      const bool doc_marker = rest.rfind("---", 0) == 0 || rest.rfind("...", 0) == 0;
      if (doc_marker || static_cast<int>(i - line_start) < indent) break;
      insert_at = next;
    }
    line_start = next;
  }
  return insert_at;
}

// Inserts `lines` (without terminators) so that they start at `at`, which is a
// line start or the end of a text lacking a final newline.
std::string InsertLines(std::string_view text, size_t at, const std::vector<std::string>& lines) {
  const std::string eol = LineEnding(text);
  std::string block;
  const bool at_unterminated_end = at == text.size() && !text.empty() && text.back() != '\n';
  for (size_t i = 0; i < lines.size(); ++i) {
    if (at_unterminated_end) {
      block += eol + lines[i];
    } else {
      block += lines[i] + eol;
    }
  }
  std::string out(text.substr(0, at));
  out += block;
  out += text.substr(at);
  return out;
}

std::vector<std::string> NewKeyLines(const std::vector<std::string>& path, size_t from, int indent,
                                     std::string_view value) {
  std::vector<std::string> lines;
  for (size_t j = from; j < path.size(); ++j) {
    std::string line(static_cast<size_t>(indent) + 2 * (j - from), ' ');
    line += FormatScalar(path[j]) + ":";
    if (j + 1 == path.size()) line += " " + FormatScalar(value);
    lines.push_back(std::move(line));
  }
  return lines;
}

// One edit on `text`, returning the new text.
Result<std::string> ApplyOne(std::string_view text, const ScalarEdit& edit,
                             std::string_view source) {
  TFLO_ASSIGN_OR_RETURN(YTree tree, ParseTree(text, source));
  if (tree.documents > 1) {
    return UnimplementedError(std::string(source) + ": multi-document YAML is not supported");
  }
  TFLO_ASSIGN_OR_RETURN(WalkResult w, Walk(tree, edit.path, source, /*for_edit=*/true));
  const std::string key = JoinPath(edit.path, edit.path.size());

  if (w.matched == edit.path.size()) {
    const YNode& leaf = tree.nodes[static_cast<size_t>(w.node)];
    const YNode& leaf_key = tree.nodes[static_cast<size_t>(w.parent_key)];
    const auto pos = static_cast<size_t>(leaf.mark.pos);
    std::string out(text);
    if (leaf.kind == YNode::Kind::kMap || leaf.kind == YNode::Kind::kSeq) {
      return InvalidArgumentError(Where(source, leaf.mark) + ": " + key + " is a " +
                                  (leaf.kind == YNode::Kind::kMap ? "mapping" : "sequence") +
                                  ", not a scalar");
    }
    if (leaf.kind == YNode::Kind::kNull) {
      // Either an explicit null token right after "key:" or nothing at all (the
      // parser then reports the position of whatever comes next).
      TFLO_ASSIGN_OR_RETURN(size_t colon_end, ColonAfterKey(text, leaf_key, source));
      size_t i = colon_end;
      while (i < text.size() && IsBlank(text[i])) ++i;
      if (i == pos && pos < text.size() && !IsLineBreak(text[pos]) && text[pos] != '#') {
        const size_t end = PlainScalarEnd(text, pos);
        if (!IsExplicitNull(text.substr(pos, end - pos))) {
          return UnimplementedError(Where(source, leaf.mark) + ": unexpected null syntax at " +
                                    key);
        }
        out.replace(pos, end - pos, FormatScalar(edit.value));
      } else {
        out.insert(colon_end, " " + FormatScalar(edit.value));
      }
      return out;
    }
    if (leaf.tag != "?" && leaf.tag != "!") {
      return UnimplementedError(Where(source, leaf.mark) + ": " + key + " has an explicit tag (" +
                                leaf.tag + "); not supported");
    }
    const char first = pos < text.size() ? text[pos] : '\0';
    if (first == '|' || first == '>') {
      return UnimplementedError(Where(source, leaf.mark) + ": " + key +
                                " is a block scalar (| or >); not supported");
    }
    if (first == '"' || first == '\'') {
      const size_t close = ClosingQuote(text, pos);
      if (close == std::string_view::npos) {
        return UnimplementedError(Where(source, leaf.mark) + ": " + key +
                                  " is a multi-line quoted scalar; not supported");
      }
      const std::string inner =
          first == '"' ? DoubleQuoteEscape(edit.value) : SingleQuoteEscape(edit.value);
      out.replace(pos + 1, close - pos - 1, inner);
      return out;
    }
    const size_t end = PlainScalarEnd(text, pos);
    if (text.substr(pos, end - pos) != leaf.value) {
      // The parsed value differs from the text on this line: it continues on
      // the next ones (folded), which we do not rewrite.
      return UnimplementedError(Where(source, leaf.mark) + ": " + key +
                                " is a multi-line plain scalar; not supported");
    }
    out.replace(pos, end - pos, FormatScalar(edit.value));
    return out;
  }

  // The key is missing: insert it (and any missing intermediate mapping).
  if (w.node < 0) {
    // Empty document: append at the top level.
    return InsertLines(text, text.size(), NewKeyLines(edit.path, 0, 0, edit.value));
  }
  const YNode& parent = tree.nodes[static_cast<size_t>(w.node)];
  if (parent.kind == YNode::Kind::kMap) {
    if (parent.children.empty()) {
      return UnimplementedError(Where(source, parent.mark) + ": " + JoinPath(edit.path, w.matched) +
                                " is an empty mapping without keys; not supported");
    }
    const YNode& first_key = tree.nodes[static_cast<size_t>(parent.children.front())];
    const int indent = first_key.mark.column;
    const size_t at = EndOfBlock(text, static_cast<size_t>(first_key.mark.pos), indent);
    return InsertLines(text, at, NewKeyLines(edit.path, w.matched, indent, edit.value));
  }
  if (parent.kind == YNode::Kind::kNull) {
    if (w.parent_key < 0) {
      return UnimplementedError(std::string(source) +
                                ": the document is an explicit null; not supported");
    }
    const YNode& parent_key = tree.nodes[static_cast<size_t>(w.parent_key)];
    TFLO_ASSIGN_OR_RETURN(size_t colon_end, ColonAfterKey(text, parent_key, source));
    size_t i = colon_end;
    while (i < text.size() && IsBlank(text[i])) ++i;
    if (i < text.size() && !IsLineBreak(text[i]) && text[i] != '#') {
      return UnimplementedError(Where(source, parent_key.mark) + ": " +
                                JoinPath(edit.path, w.matched) +
                                " is an explicit null; replace it with an empty value to edit");
    }
    const size_t at = NextLineStart(text, colon_end);
    const int indent = parent_key.mark.column + 2;
    return InsertLines(text, at, NewKeyLines(edit.path, w.matched, indent, edit.value));
  }
  return InternalError(Where(source, parent.mark) + ": cannot insert " + key);
}

// Every scalar/null leaf as (path, value), in no particular order.
void CollectLeaves(const YTree& tree, int id, const std::string& prefix,
                   std::vector<std::pair<std::string, std::string>>& out, int depth) {
  if (id < 0 || depth > 200) return;
  const YNode& n = tree.nodes[static_cast<size_t>(id)];
  switch (n.kind) {
    case YNode::Kind::kNull:
      out.emplace_back(prefix, std::string("\0null", 5));
      return;
    case YNode::Kind::kScalar:
      out.emplace_back(prefix, n.value);
      return;
    case YNode::Kind::kAlias:
      out.emplace_back(prefix, std::string("\0alias", 6) + std::to_string(n.alias));
      return;
    case YNode::Kind::kSeq:
      for (size_t i = 0; i < n.children.size(); ++i) {
        CollectLeaves(tree, n.children[i], prefix + "\x1f[" + std::to_string(i) + "]", out,
                      depth + 1);
      }
      return;
    case YNode::Kind::kMap:
      for (size_t c = 0; c + 1 < n.children.size(); c += 2) {
        const YNode& k = tree.nodes[static_cast<size_t>(n.children[c])];
        const std::string name = k.kind == YNode::Kind::kScalar ? k.value : "?";
        CollectLeaves(tree, n.children[c + 1], prefix + "\x1f" + name, out, depth + 1);
      }
      return;
  }
}

std::string LeafKey(const std::vector<std::string>& path, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) out += "\x1f" + path[i];
  return out;
}

}  // namespace

std::vector<std::string> SplitKeyPath(std::string_view dotted) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t dot = dotted.find('.', start);
    out.emplace_back(
        dotted.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

Result<std::optional<std::string>> ReadScalar(std::string_view yaml_text,
                                              const std::vector<std::string>& path,
                                              std::string_view source_name) {
  if (path.empty()) return InvalidArgumentError(std::string(source_name) + ": empty key path");
  TFLO_ASSIGN_OR_RETURN(YTree tree, ParseTree(yaml_text, source_name));
  TFLO_ASSIGN_OR_RETURN(WalkResult w, Walk(tree, path, source_name, /*for_edit=*/false));
  if (w.matched < path.size() || w.node < 0) return std::optional<std::string>();
  const YNode* leaf = &tree.nodes[static_cast<size_t>(w.node)];
  if (leaf->kind == YNode::Kind::kAlias) {
    auto it = tree.anchors.find(leaf->alias);
    if (it == tree.anchors.end()) {
      return InvalidArgumentError(Where(source_name, leaf->mark) + ": unknown alias");
    }
    leaf = &tree.nodes[static_cast<size_t>(it->second)];
  }
  switch (leaf->kind) {
    case YNode::Kind::kScalar:
      return std::optional<std::string>(leaf->value);
    case YNode::Kind::kNull: {
      // Report an explicit "~"/"null" as written; an empty value as "".
      const YNode& key = tree.nodes[static_cast<size_t>(w.parent_key)];
      auto colon = ColonAfterKey(yaml_text, key, source_name);
      if (colon.ok()) {
        size_t i = *colon;
        while (i < yaml_text.size() && IsBlank(yaml_text[i])) ++i;
        if (i == static_cast<size_t>(leaf->mark.pos)) {
          const std::string_view token = yaml_text.substr(i, PlainScalarEnd(yaml_text, i) - i);
          if (IsExplicitNull(token)) return std::optional<std::string>(std::string(token));
        }
      }
      return std::optional<std::string>(std::string());
    }
    default:
      return InvalidArgumentError(
          Where(source_name, leaf->mark) + ": " + JoinPath(path, path.size()) + " is a " +
          (leaf->kind == YNode::Kind::kMap ? "mapping" : "sequence") + ", not a scalar");
  }
}

Result<std::string> ApplyScalarEdits(std::string_view yaml_text,
                                     const std::vector<ScalarEdit>& edits,
                                     std::string_view source_name) {
  for (const ScalarEdit& e : edits) {
    if (e.path.empty()) return InvalidArgumentError(std::string(source_name) + ": empty key path");
    for (const std::string& k : e.path) {
      if (k.empty()) {
        return InvalidArgumentError(std::string(source_name) + ": empty component in key path " +
                                    JoinPath(e.path, e.path.size()));
      }
      TFLO_RETURN_IF_ERROR(CheckWritable(std::string(source_name) + ": key " + k, k));
    }
    TFLO_RETURN_IF_ERROR(CheckWritable(
        std::string(source_name) + ": value for " + JoinPath(e.path, e.path.size()), e.value));
  }

  TFLO_ASSIGN_OR_RETURN(YTree before, ParseTree(yaml_text, source_name));
  std::string text(yaml_text);
  for (const ScalarEdit& e : edits) {
    TFLO_ASSIGN_OR_RETURN(text, ApplyOne(text, e, source_name));
  }

  // Verification: the edited text must parse, hold every requested value, and
  // keep every other scalar exactly as it was.
  auto after = ParseTree(text, source_name);
  if (!after.ok()) {
    return InternalError("edit produced invalid YAML (" + after.status().message() + ")");
  }
  std::map<std::string, std::string> expected;  // last edit of a path wins
  for (const ScalarEdit& e : edits) expected[LeafKey(e.path, e.path.size())] = e.value;
  for (const ScalarEdit& e : edits) {
    auto got = ReadScalar(text, e.path, source_name);
    if (!got.ok() || !got->has_value() || **got != expected[LeafKey(e.path, e.path.size())]) {
      return InternalError(std::string(source_name) + ": after editing, " +
                           JoinPath(e.path, e.path.size()) + " does not hold the requested value");
    }
  }
  const auto touched = [&](const std::string& leaf) {
    for (const ScalarEdit& e : edits) {
      for (size_t n = 1; n <= e.path.size(); ++n) {
        if (leaf == LeafKey(e.path, n)) return true;  // the edited key or a null parent it filled
      }
    }
    return false;
  };
  std::vector<std::pair<std::string, std::string>> old_leaves;
  std::vector<std::pair<std::string, std::string>> new_leaves;
  CollectLeaves(before, before.root, "", old_leaves, 0);
  CollectLeaves(after.value(), after->root, "", new_leaves, 0);
  std::erase_if(old_leaves, [&](const auto& l) { return touched(l.first); });
  std::erase_if(new_leaves, [&](const auto& l) { return touched(l.first); });
  std::sort(old_leaves.begin(), old_leaves.end());
  std::sort(new_leaves.begin(), new_leaves.end());
  if (old_leaves != new_leaves) {
    return InternalError(std::string(source_name) +
                         ": editing would change values other than the requested keys");
  }
  return text;
}

}  // namespace tflo::actuators
