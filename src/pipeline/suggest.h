// Messages about pipeline files: "did you mean ...?" hints for misspelt names, and
// keeping a message that quotes the user's text on one line.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orbitlake::pipeline {

// Edit distance (insert, delete, substitute, transpose adjacent) between a and b,
// comparing ASCII letters case-insensitively.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is close enough to be a likely typo (distance
// at most 1 for words up to 4 characters, 2 up to 8, 3 beyond, and less than the word's
// length), or a candidate equal to it but for case; nullopt otherwise. Ties go to the first candidate.
std::optional<std::string> ClosestMatch(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean X?)" for ClosestMatch, or "" when there is none: ready to append.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

// `message` with control characters (newline, tab, ...) written as \n, \t, \xNN: text
// quoted from a file or argument cannot break a one-line error.
std::string OneLine(std::string_view message);

}  // namespace orbitlake::pipeline
