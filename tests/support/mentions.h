// Test support: EXPECT_MENTIONS(text, wanted), a check that an error message names what it must
// (a field, a call, a limit), printing the whole message when it does not.
#pragma once

#include <string>

#include <gtest/gtest.h>

#define EXPECT_MENTIONS(text, wanted)                          \
  EXPECT_NE(std::string(text).find(wanted), std::string::npos) \
      << "message \"" << (text) << "\" does not mention \"" << (wanted) << "\""
