// "Did you mean ...?" hints for misspelt names in pipeline files and type strings.
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

}  // namespace orbitlake::pipeline
