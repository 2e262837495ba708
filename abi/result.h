// Errors as values: Result<T> holds either a T or an Error with a message that names what failed.
// Used across every layer instead of exceptions for expected failures (bad input, VM faults).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace pwplay {

struct Error {
  std::string message;
};

template <typename E = Error>
struct Unexpected {
  E error;
};

inline Unexpected<Error> make_error(std::string message) {
  return {Error{std::move(message)}};
}

template <typename T, typename E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value)
      : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Unexpected<E> error) : state_(std::in_place_index<1>, std::move(error.error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const { return std::get<1>(state_); }
  E& error() { return std::get<1>(state_); }

 private:
  std::variant<T, E> state_;
};

template <typename E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(Unexpected<E> error) : error_(std::move(error.error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const E& error() const { return error_; }
  E& error() { return error_; }

 private:
  E error_{};
  bool ok_ = true;
};

template <typename E>
Unexpected<E> unexpected(E error) {
  return {std::move(error)};
}

}  // namespace pwplay
