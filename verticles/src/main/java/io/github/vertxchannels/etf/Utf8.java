package io.github.vertxchannels.etf;

/** Strict UTF-8 checking without allocation: no overlong forms, no surrogates, at most U+10FFFF. */
final class Utf8 {

  private Utf8() {}

  /**
   * @return the number of code points in {@code a[from, from + len)}, or -1 - (the offset of the
   *     first bad byte relative to {@code from}) when it is not valid UTF-8
   */
  static int countCodePoints(byte[] a, int from, int len) {
    int end = from + len;
    int count = 0;
    int i = from;
    while (i < end) {
      int b = a[i];
      if (b >= 0) {
        i++;
        count++;
        continue;
      }
      b &= 0xFF;
      int need;
      int min;
      int cp;
      if (b >= 0xC2 && b <= 0xDF) {
        need = 1;
        min = 0x80;
        cp = b & 0x1F;
      } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2;
        min = 0x800;
        cp = b & 0x0F;
      } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3;
        min = 0x10000;
        cp = b & 0x07;
      } else {
        return -1 - (i - from);
      }
      if (i + need >= end) { // fewer continuation bytes than the lead byte announces
        return -1 - (i - from);
      }
      for (int k = 1; k <= need; k++) {
        int c = a[i + k] & 0xFF;
        if ((c & 0xC0) != 0x80) {
          return -1 - (i - from);
        }
        cp = (cp << 6) | (c & 0x3F);
      }
      if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return -1 - (i - from);
      }
      i += need + 1;
      count++;
    }
    return count;
  }
}
