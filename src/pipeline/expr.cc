#include "pipeline/expr.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace orbitlake::pipeline {

struct Expr::Node {
  enum class Op { kNumber, kColumn, kNeg, kAdd, kSub, kMul, kDiv, kAbs, kRound, kFloor, kCeil, kMin, kMax };
  Op op = Op::kNumber;
  double number = 0;  // kNumber
  size_t column = 0;  // kColumn: index into columns_
  size_t args = 0;    // functions: how many operands it takes from the stack
};

namespace {

using Node = Expr::Node;
using Op = Node::Op;

struct Function {
  std::string_view name;
  Op op;
  size_t min_args, max_args;
};
constexpr Function kFunctions[] = {
    {"abs", Op::kAbs, 1, 1},     {"round", Op::kRound, 1, 2}, {"floor", Op::kFloor, 1, 1},
    {"ceil", Op::kCeil, 1, 1},   {"min", Op::kMin, 2, 64},    {"max", Op::kMax, 2, 64},
};

class Parser {
 public:
  Parser(std::string_view text, std::vector<Node>* nodes, std::vector<std::string>* columns)
      : text_(text), nodes_(nodes), columns_(columns) {}

  Status Run(size_t* error_offset) {
    Status st = Sum();
    if (st.ok()) {
      Skip();
      if (pos_ < text_.size()) st = Error(fmt::format("unexpected '{}'", text_[pos_]));
    }
    if (!st.ok() && error_offset != nullptr) *error_offset = err_at_;
    return st;
  }

 private:
  Status Error(std::string what) {
    err_at_ = std::min(pos_, text_.size());
    return Status::InvalidArgument(fmt::format("expression '{}', character {}: {}", text_, err_at_ + 1, what));
  }
  void Skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Eat(char c) {
    Skip();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void Emit(Op op, size_t args = 0) { nodes_->push_back(Node{op, 0, 0, args}); }

  Status Sum() {
    ORBIT_RETURN_IF_ERROR(Product());
    for (;;) {
      if (Eat('+')) {
        ORBIT_RETURN_IF_ERROR(Product());
        Emit(Op::kAdd);
      } else if (Eat('-')) {
        ORBIT_RETURN_IF_ERROR(Product());
        Emit(Op::kSub);
      } else {
        return Status::OK();
      }
    }
  }
  Status Product() {
    ORBIT_RETURN_IF_ERROR(Unary());
    for (;;) {
      if (Eat('*')) {
        ORBIT_RETURN_IF_ERROR(Unary());
        Emit(Op::kMul);
      } else if (Eat('/')) {
        ORBIT_RETURN_IF_ERROR(Unary());
        Emit(Op::kDiv);
      } else {
        return Status::OK();
      }
    }
  }
  Status Unary() {
    if (Eat('-')) {
      if (++depth_ > kMaxDepth) return Error("nested too deeply");
      ORBIT_RETURN_IF_ERROR(Unary());
      --depth_;
      Emit(Op::kNeg);
      return Status::OK();
    }
    if (Eat('+')) return Unary();
    return Primary();
  }
  Status Primary() {
    Skip();
    if (pos_ >= text_.size()) return Error("expected a number, a column name or '(', found the end");
    const char c = text_[pos_];
    if (c == '(') {
      ++pos_;
      if (++depth_ > kMaxDepth) return Error("nested too deeply");
      ORBIT_RETURN_IF_ERROR(Sum());
      --depth_;
      if (!Eat(')')) return Error("expected ')'");
      return Status::OK();
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return Number();
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') return NameOrCall();
    return Error(fmt::format("expected a number, a column name or '(', found '{}'", c));
  }
  Status Number() {
    const size_t start = pos_;
    while (pos_ < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.')) ++pos_;
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    }
    const std::string lit(text_.substr(start, pos_ - start));
    char* end = nullptr;
    const double v = std::strtod(lit.c_str(), &end);
    if (end != lit.c_str() + lit.size() || !std::isfinite(v)) {
      pos_ = start;
      return Error(fmt::format("'{}' is not a number", lit));
    }
    nodes_->push_back(Node{Op::kNumber, v, 0, 0});
    return Status::OK();
  }
  Status NameOrCall() {
    const size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) ++pos_;
    const std::string_view name = text_.substr(start, pos_ - start);
    Skip();
    if (pos_ < text_.size() && text_[pos_] == '(') {
      const Function* f = nullptr;
      for (const auto& fn : kFunctions) {
        if (fn.name == name) f = &fn;
      }
      if (f == nullptr) {
        pos_ = start;
        return Error(fmt::format("unknown function '{}' (abs, round, floor, ceil, min, max)", name));
      }
      ++pos_;
      if (++depth_ > kMaxDepth) return Error("nested too deeply");
      size_t args = 0;
      if (!Eat(')')) {
        do {
          ORBIT_RETURN_IF_ERROR(Sum());
          ++args;
        } while (Eat(','));
        if (!Eat(')')) return Error("expected ',' or ')'");
      }
      --depth_;
      if (args < f->min_args || args > f->max_args) {
        pos_ = start;
        return Error(f->min_args == f->max_args
                         ? fmt::format("{}() takes {} argument{}, got {}", name, f->min_args, f->min_args == 1 ? "" : "s", args)
                         : fmt::format("{}() takes {} to {} arguments, got {}", name, f->min_args, f->max_args, args));
      }
      Emit(f->op, args);
      return Status::OK();
    }
    auto it = std::find(columns_->begin(), columns_->end(), name);
    const size_t index = static_cast<size_t>(it - columns_->begin());
    if (it == columns_->end()) columns_->emplace_back(name);
    nodes_->push_back(Node{Op::kColumn, 0, index, 0});
    return Status::OK();
  }

  static constexpr int kMaxDepth = 64;
  std::string_view text_;
  std::vector<Node>* nodes_;
  std::vector<std::string>* columns_;
  size_t pos_ = 0;
  size_t err_at_ = 0;
  int depth_ = 0;
};

}  // namespace

Expr::~Expr() = default;

Result<std::shared_ptr<const Expr>> Expr::Parse(std::string_view text, size_t* error_offset) {
  std::shared_ptr<Expr> e(new Expr());
  e->text_ = std::string(text);
  Parser p(e->text_, &e->nodes_, &e->columns_);
  ORBIT_RETURN_IF_ERROR(p.Run(error_offset));
  return std::shared_ptr<const Expr>(std::move(e));
}

Result<std::optional<double>> Expr::Evaluate(const std::function<std::optional<double>(size_t)>& column) const {
  // One stack slot per node at most; the buffer is kept per thread, not allocated per row.
  thread_local std::vector<std::optional<double>> stack;
  stack.clear();
  for (const Node& n : nodes_) {
    switch (n.op) {
      case Op::kNumber: stack.emplace_back(n.number); continue;
      case Op::kColumn: stack.push_back(column(n.column)); continue;
      case Op::kNeg:
        if (stack.back()) stack.back() = -*stack.back();
        continue;
      default: break;
    }
    const size_t argc = n.args != 0 ? n.args : (n.op == Op::kAdd || n.op == Op::kSub || n.op == Op::kMul || n.op == Op::kDiv ? 2 : 1);
    const size_t base = stack.size() - argc;
    bool null = false;
    for (size_t i = base; i < stack.size(); ++i) null = null || !stack[i];
    std::optional<double> out;
    if (!null) {
      const double a = *stack[base];
      const double b = argc > 1 ? *stack[base + 1] : 0;
      switch (n.op) {
        case Op::kAdd: out = a + b; break;
        case Op::kSub: out = a - b; break;
        case Op::kMul: out = a * b; break;
        case Op::kDiv:
          if (b == 0) return Status::InvalidArgument(fmt::format("`{}`: division by zero", text_));
          out = a / b;
          break;
        case Op::kAbs: out = std::fabs(a); break;
        case Op::kFloor: out = std::floor(a); break;
        case Op::kCeil: out = std::ceil(a); break;
        case Op::kRound: {
          if (argc == 1) {
            out = std::round(a);
          } else {
            const double scale = std::pow(10.0, std::round(b));
            out = std::round(a * scale) / scale;
          }
          break;
        }
        case Op::kMin:
        case Op::kMax: {
          double v = a;
          for (size_t i = base + 1; i < stack.size(); ++i) v = n.op == Op::kMin ? std::min(v, *stack[i]) : std::max(v, *stack[i]);
          out = v;
          break;
        }
        default: return Status::Internal("unknown expression operator");
      }
      if (!std::isfinite(*out)) return Status::InvalidArgument(fmt::format("`{}` is not a finite number", text_));
    }
    stack.resize(base);
    stack.push_back(out);
  }
  if (stack.size() != 1) return Status::Internal("malformed expression");
  return stack.back();
}

}  // namespace orbitlake::pipeline
