;; A request body's texts, read where the featurizer's kernel scans them (wasmKernel.ts `readBody`
;; says why this is not JSON.parse).
;;
;; readStrings(at, length, texts, maxTexts, maxUnits, options) reads the JSON text of `length` UTF-16
;; code units at `at` when it is one of the request forms of SPEC section 5: a string, an array of
;; strings, or an object of "texts" (an array of strings) or "text" (a string), and "topK" and
;; "explain" (integers written as plain digits), each key once and written as itself; JSON's
;; whitespace (space, tab, LF, CR) may surround any token. Each string is unescaped in place: its
;; units are written from where its opening quote was, and an escape is never shorter than the unit
;; it stands for, so writing never overtakes reading. For each string [address, length in units] goes
;; to `texts`, and [form (0: a string or an array, 1: an object), topK (1 when absent), explain (0
;; when absent)] to `options`; the result is the number of strings. It is -1 for anything else:
;; another JSON value or key, an empty array, an array with any other element, a number written
;; otherwise (a sign, a fraction, an exponent, a leading zero, ten digits or more), more than
;; `maxTexts` strings or a string of more than `maxUnits` units, or text that is not JSON. The caller
;; then gives the body to JSON.parse, which yields the value or the error; for a body read here,
;; JSON.parse yields the same strings and numbers (test/jsonStrings.test.ts).
(module
  (import "env" "memory" (memory 1))
  ;; Where the string being read is written: `$string` leaves it past the string's last unit.
  (global $w (mut i32) (i32.const 0))
  ;; The strings `$array` read.
  (global $n (mut i32) (i32.const 0))
  ;; `$string`'s constants, at the end of the kernel's CONSTS (wasmKernel.ts): i8x16 splats of '"',
  ;; '\\' and 0x1f, written when the module is instantiated.
  (data (i32.const 1474688)
    "\22\22\22\22\22\22\22\22\22\22\22\22\22\22\22\22"
    "\5c\5c\5c\5c\5c\5c\5c\5c\5c\5c\5c\5c\5c\5c\5c\5c"
    "\1f\1f\1f\1f\1f\1f\1f\1f\1f\1f\1f\1f\1f\1f\1f\1f")

  (func (export "readStrings") (param $at i32) (param $length i32) (param $texts i32) (param $maxTexts i32)
        (param $maxUnits i32) (param $options i32) (result i32)
    (local $end i32) (local $p i32) (local $c i32) (local $form i32)
    (local.set $end (i32.add (local.get $at) (i32.shl (local.get $length) (i32.const 1))))
    (local.set $p (call $skip (local.get $at) (local.get $end)))
    (if (i32.ge_u (local.get $p) (local.get $end)) (then (return (i32.const -1))))
    (local.set $c (i32.load16_u (local.get $p)))
    (i32.store offset=4 (local.get $options) (i32.const 1))
    (i32.store offset=8 (local.get $options) (i32.const 0))
    (block $read
      ;; One string: the whole body.
      (if (i32.eq (local.get $c) (i32.const 0x22))
        (then
          (global.set $n (i32.const 1))
          (local.set $p (call $one (local.get $p) (local.get $end) (local.get $texts) (local.get $maxTexts) (local.get $maxUnits)))
          (br $read)))
      (if (i32.eq (local.get $c) (i32.const 0x5b))
        (then
          (local.set $p (call $array (local.get $p) (local.get $end) (local.get $texts) (local.get $maxTexts) (local.get $maxUnits)))
          (br $read)))
      (if (i32.eq (local.get $c) (i32.const 0x7b))
        (then
          (local.set $form (i32.const 1))
          (local.set $p (call $object (local.get $p) (local.get $end) (local.get $texts) (local.get $maxTexts) (local.get $maxUnits) (local.get $options)))
          (br $read)))
      (return (i32.const -1)))
    ;; After the value: only whitespace.
    (if (i32.eqz (local.get $p)) (then (return (i32.const -1))))
    (if (i32.ne (call $skip (local.get $p) (local.get $end)) (local.get $end)) (then (return (i32.const -1))))
    (i32.store (local.get $options) (local.get $form))
    (global.get $n))

  ;; The string at `p` (its opening quote) as the only text: the position past it, or 0.
  (func $one (param $p i32) (param $end i32) (param $texts i32) (param $maxTexts i32) (param $maxUnits i32) (result i32)
    (local $units i32)
    (global.set $w (local.get $p))
    (i32.store (local.get $texts) (local.get $p))
    (local.set $p (call $string (i32.add (local.get $p) (i32.const 2)) (local.get $end)))
    (local.set $units (i32.shr_u (i32.sub (global.get $w) (i32.load (local.get $texts))) (i32.const 1)))
    (i32.store offset=4 (local.get $texts) (local.get $units))
    (select (local.get $p) (i32.const 0) (i32.and (i32.le_u (local.get $units) (local.get $maxUnits)) (i32.ne (local.get $maxTexts) (i32.const 0)))))

  ;; The array of strings at `p` (its `[`): the position past its `]`, or 0; the strings in `$n`.
  (func $array (param $p i32) (param $end i32) (param $texts i32) (param $maxTexts i32) (param $maxUnits i32) (result i32)
    (local $c i32) (local $n i32) (local $start i32) (local $units i32)
    (local.set $p (call $skip (i32.add (local.get $p) (i32.const 2)) (local.get $end)))
    (loop $element
      ;; A string, or JSON.parse decides (`]` of an empty array, another value, the end).
      (if (i32.ge_u (local.get $p) (local.get $end)) (then (return (i32.const 0))))
      (if (i32.ne (i32.load16_u (local.get $p)) (i32.const 0x22)) (then (return (i32.const 0))))
      (if (i32.ge_u (local.get $n) (local.get $maxTexts)) (then (return (i32.const 0))))
      (global.set $w (local.get $p))
      (local.set $start (local.get $p))
      (local.set $p (call $string (i32.add (local.get $p) (i32.const 2)) (local.get $end)))
      (if (i32.eqz (local.get $p)) (then (return (i32.const 0))))
      (local.set $units (i32.shr_u (i32.sub (global.get $w) (local.get $start)) (i32.const 1)))
      (if (i32.gt_u (local.get $units) (local.get $maxUnits)) (then (return (i32.const 0))))
      (i32.store (i32.add (local.get $texts) (i32.shl (local.get $n) (i32.const 3))) (local.get $start))
      (i32.store offset=4 (i32.add (local.get $texts) (i32.shl (local.get $n) (i32.const 3))) (local.get $units))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (local.set $p (call $skip (local.get $p) (local.get $end)))
      (if (i32.ge_u (local.get $p) (local.get $end)) (then (return (i32.const 0))))
      (local.set $c (i32.load16_u (local.get $p)))
      (local.set $p (i32.add (local.get $p) (i32.const 2)))
      (if (i32.eq (local.get $c) (i32.const 0x2c))
        (then
          (local.set $p (call $skip (local.get $p) (local.get $end)))
          (br $element)))
      (if (i32.ne (local.get $c) (i32.const 0x5d)) (then (return (i32.const 0)))))
    (global.set $n (local.get $n))
    (local.get $p))

  ;; The object at `p` (its `{`): the position past its `}`, or 0; the strings in `$n`, topK and
  ;; explain at `options`. A key is matched as its units (`"texts"` and so on, 4 units at a time):
  ;; a key written with an escape is left to JSON.parse.
  (func $object (param $p i32) (param $end i32) (param $texts i32) (param $maxTexts i32) (param $maxUnits i32) (param $options i32) (result i32)
    (local $c i32) (local $seen i32) (local $key i32) (local $head i64) (local $value i32) (local $digits i32) (local $d i32)
    (local.set $p (call $skip (i32.add (local.get $p) (i32.const 2)) (local.get $end)))
    (loop $member
      ;; The key: room for the longest ("explain") and its quotes.
      (if (i32.gt_u (i32.add (local.get $p) (i32.const 18)) (local.get $end)) (then (return (i32.const 0))))
      (if (i32.ne (i32.load16_u (local.get $p)) (i32.const 0x22)) (then (return (i32.const 0))))
      (local.set $head (i64.load offset=2 (local.get $p)))
      (local.set $key (i32.const 0))
      (if (i64.eq (local.get $head) (i64.const 0x0074007800650074))
        (then
          ;; "texts" or "text"
          (if (i32.eq (i32.load offset=10 (local.get $p)) (i32.const 0x00220073))
            (then (local.set $key (i32.const 1)) (local.set $p (i32.add (local.get $p) (i32.const 14))))
            (else
              (if (i32.eq (i32.load16_u offset=10 (local.get $p)) (i32.const 0x22))
                (then (local.set $key (i32.const 2)) (local.set $p (i32.add (local.get $p) (i32.const 12)))))))))
      (if (i32.and (i64.eq (local.get $head) (i64.const 0x004b0070006f0074)) (i32.eq (i32.load16_u offset=10 (local.get $p)) (i32.const 0x22)))
        (then (local.set $key (i32.const 4)) (local.set $p (i32.add (local.get $p) (i32.const 12)))))
      (if (i32.and (i64.eq (local.get $head) (i64.const 0x006c007000780065)) (i64.eq (i64.load offset=10 (local.get $p)) (i64.const 0x0022006e00690061)))
        (then (local.set $key (i32.const 8)) (local.set $p (i32.add (local.get $p) (i32.const 18)))))
      ;; Another key, a key seen already, or both "text" and "texts".
      (if (i32.or (i32.eqz (local.get $key)) (i32.and (local.get $seen) (select (i32.const 3) (local.get $key) (i32.le_u (local.get $key) (i32.const 2)))))
        (then (return (i32.const 0))))
      (local.set $seen (i32.or (local.get $seen) (local.get $key)))
      (local.set $p (call $skip (local.get $p) (local.get $end)))
      (if (i32.ge_u (local.get $p) (local.get $end)) (then (return (i32.const 0))))
      (if (i32.ne (i32.load16_u (local.get $p)) (i32.const 0x3a)) (then (return (i32.const 0))))
      (local.set $p (call $skip (i32.add (local.get $p) (i32.const 2)) (local.get $end)))
      (if (i32.ge_u (local.get $p) (local.get $end)) (then (return (i32.const 0))))
      (local.set $c (i32.load16_u (local.get $p)))
      (block $valued
        (if (i32.eq (local.get $key) (i32.const 1))
          (then
            (if (i32.ne (local.get $c) (i32.const 0x5b)) (then (return (i32.const 0))))
            (local.set $p (call $array (local.get $p) (local.get $end) (local.get $texts) (local.get $maxTexts) (local.get $maxUnits)))
            (br $valued)))
        (if (i32.eq (local.get $key) (i32.const 2))
          (then
            (if (i32.ne (local.get $c) (i32.const 0x22)) (then (return (i32.const 0))))
            (global.set $n (i32.const 1))
            (local.set $p (call $one (local.get $p) (local.get $end) (local.get $texts) (local.get $maxTexts) (local.get $maxUnits)))
            (br $valued)))
        ;; topK or explain: 0, or 1 to 9 digits not starting with 0 (what follows must be `,` or `}`).
        (local.set $value (i32.sub (local.get $c) (i32.const 0x30)))
        (if (i32.gt_u (local.get $value) (i32.const 9)) (then (return (i32.const 0))))
        (local.set $p (i32.add (local.get $p) (i32.const 2)))
        (local.set $digits (i32.const 1))
        (if (local.get $value)
          (then
            (block $number
              (loop $digit
                (br_if $number (i32.ge_u (local.get $p) (local.get $end)))
                (local.set $d (i32.sub (i32.load16_u (local.get $p)) (i32.const 0x30)))
                (br_if $number (i32.gt_u (local.get $d) (i32.const 9)))
                (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
                (if (i32.gt_u (local.get $digits) (i32.const 9)) (then (return (i32.const 0))))
                (local.set $value (i32.add (i32.mul (local.get $value) (i32.const 10)) (local.get $d)))
                (local.set $p (i32.add (local.get $p) (i32.const 2)))
                (br $digit)))))
        (i32.store (i32.add (local.get $options) (select (i32.const 4) (i32.const 8) (i32.eq (local.get $key) (i32.const 4)))) (local.get $value)))
      (if (i32.eqz (local.get $p)) (then (return (i32.const 0))))
      (local.set $p (call $skip (local.get $p) (local.get $end)))
      (if (i32.ge_u (local.get $p) (local.get $end)) (then (return (i32.const 0))))
      (local.set $c (i32.load16_u (local.get $p)))
      (local.set $p (i32.add (local.get $p) (i32.const 2)))
      (if (i32.eq (local.get $c) (i32.const 0x2c))
        (then
          (local.set $p (call $skip (local.get $p) (local.get $end)))
          (br $member)))
      (if (i32.ne (local.get $c) (i32.const 0x7d)) (then (return (i32.const 0)))))
    ;; A text or texts is required.
    (select (local.get $p) (i32.const 0) (i32.and (local.get $seen) (i32.const 3))))

  ;; The first position from `p` that is not JSON whitespace (or `end`).
  (func $skip (param $p i32) (param $end i32) (result i32)
    (local $c i32)
    (block $done
      (loop $space
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $c (i32.load16_u (local.get $p)))
        (br_if $done (i32.eqz (i32.or (i32.or (i32.eq (local.get $c) (i32.const 0x20)) (i32.eq (local.get $c) (i32.const 0x0a)))
                                      (i32.or (i32.eq (local.get $c) (i32.const 0x0d)) (i32.eq (local.get $c) (i32.const 0x09))))))
        (local.set $p (i32.add (local.get $p) (i32.const 2)))
        (br $space)))
    (local.get $p))

  ;; The string whose units start at `p` (past its opening quote), unescaped to `$w` on: the position
  ;; past its closing quote, or 0 when it is not a JSON string (a control character, an escape JSON
  ;; does not have, no closing quote).
  (func $string (param $p i32) (param $end i32) (result i32)
    (local $w i32) (local $v v128) (local $v1 v128) (local $b v128) (local $m i32) (local $k i32) (local $c i32) (local $d i32) (local $j i32)
    (local $quotes v128) (local $backslashes v128) (local $controls v128)
    (local.set $w (global.get $w))
    ;; The bytes the loop looks for, loaded from CONSTS: V8 builds a v128.const used in a loop anew at
    ;; every step (three instructions each, a third of the step), and moves a splat into the loop too.
    (local.set $quotes (v128.load offset=1474688 (i32.const 0)))
    (local.set $backslashes (v128.load offset=1474704 (i32.const 0)))
    (local.set $controls (v128.load offset=1474720 (i32.const 0)))
    (loop $units
      ;; 16 units at a time up to a quote, a backslash or a control character: narrowed to bytes
      ;; (a unit past 255 saturates to 255, which is none of them), tested at once.
      (block $one
        (loop $sixteen
          (br_if $one (i32.gt_u (i32.add (local.get $p) (i32.const 32)) (local.get $end)))
          (local.set $v (v128.load (local.get $p)))
          (local.set $v1 (v128.load offset=16 (local.get $p)))
          (local.set $b (i8x16.narrow_i16x8_u (local.get $v) (local.get $v1)))
          (local.set $m (i8x16.bitmask (v128.or
            (v128.or (i8x16.eq (local.get $b) (local.get $quotes))
                     (i8x16.eq (local.get $b) (local.get $backslashes)))
            ;; Below 0x20: x64 has no unsigned byte compare, but an unsigned minimum.
            (i8x16.eq (i8x16.min_u (local.get $b) (local.get $controls)) (local.get $b)))))
          ;; [w, w + 32) ends at most where these units end: nothing unread is overwritten.
          (if (i32.eqz (local.get $m))
            (then
              (v128.store (local.get $w) (local.get $v))
              (v128.store offset=16 (local.get $w) (local.get $v1))
              (local.set $p (i32.add (local.get $p) (i32.const 32)))
              (local.set $w (i32.add (local.get $w) (i32.const 32)))
              (br $sixteen)))
          ;; The k units before the first of those. Whole stores are safe only 16 units behind
          ;; reading: else they would overwrite units after those, still to be read.
          (local.set $k (i32.ctz (local.get $m)))
          (if (i32.ge_u (i32.sub (local.get $p) (local.get $w)) (i32.const 32))
            (then
              (v128.store (local.get $w) (local.get $v))
              (v128.store offset=16 (local.get $w) (local.get $v1)))
            (else
              (local.set $j (i32.const 0))
              (block $copied
                (loop $copy
                  (br_if $copied (i32.ge_u (local.get $j) (local.get $k)))
                  (i32.store16 (i32.add (local.get $w) (i32.shl (local.get $j) (i32.const 1)))
                               (i32.load16_u (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 1)))))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (br $copy)))))
          (local.set $p (i32.add (local.get $p) (i32.shl (local.get $k) (i32.const 1))))
          (local.set $w (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1))))))
      ;; One unit: a quote, a backslash or a control character, or one of the last 15.
      (if (i32.ge_u (local.get $p) (local.get $end)) (then (return (i32.const 0))))
      (local.set $c (i32.load16_u (local.get $p)))
      (local.set $p (i32.add (local.get $p) (i32.const 2)))
      (if (i32.eq (local.get $c) (i32.const 0x22))
        (then
          (global.set $w (local.get $w))
          (return (local.get $p))))
      (if (i32.lt_u (local.get $c) (i32.const 0x20)) (then (return (i32.const 0))))
      (if (i32.eq (local.get $c) (i32.const 0x5c))
        (then
          (if (i32.ge_u (local.get $p) (local.get $end)) (then (return (i32.const 0))))
          (local.set $c (i32.load16_u (local.get $p)))
          (local.set $p (i32.add (local.get $p) (i32.const 2)))
          (block $escaped
            (if (i32.eq (local.get $c) (i32.const 0x6e)) (then (local.set $c (i32.const 0x0a)) (br $escaped)))
            (if (i32.or (i32.or (i32.eq (local.get $c) (i32.const 0x22)) (i32.eq (local.get $c) (i32.const 0x5c)))
                        (i32.eq (local.get $c) (i32.const 0x2f)))
              (then (br $escaped)))
            (if (i32.eq (local.get $c) (i32.const 0x74)) (then (local.set $c (i32.const 0x09)) (br $escaped)))
            (if (i32.eq (local.get $c) (i32.const 0x72)) (then (local.set $c (i32.const 0x0d)) (br $escaped)))
            (if (i32.eq (local.get $c) (i32.const 0x62)) (then (local.set $c (i32.const 0x08)) (br $escaped)))
            (if (i32.eq (local.get $c) (i32.const 0x66)) (then (local.set $c (i32.const 0x0c)) (br $escaped)))
            (if (i32.ne (local.get $c) (i32.const 0x75)) (then (return (i32.const 0))))
            ;; \uXXXX: four hex digits, either case.
            (if (i32.gt_u (i32.add (local.get $p) (i32.const 8)) (local.get $end)) (then (return (i32.const 0))))
            (local.set $c (i32.const 0))
            (local.set $j (i32.const 0))
            (loop $hex
              (local.set $d (i32.load16_u (local.get $p)))
              (local.set $p (i32.add (local.get $p) (i32.const 2)))
              (if (i32.lt_u (i32.sub (local.get $d) (i32.const 0x30)) (i32.const 10))
                (then (local.set $d (i32.sub (local.get $d) (i32.const 0x30))))
                (else
                  ;; A letter a-f or A-F (setting 0x20 lowers A-F; anything else stays out of a-f).
                  (local.set $d (i32.sub (i32.or (local.get $d) (i32.const 0x20)) (i32.const 0x61)))
                  (if (i32.ge_u (local.get $d) (i32.const 6)) (then (return (i32.const 0))))
                  (local.set $d (i32.add (local.get $d) (i32.const 10)))))
              (local.set $c (i32.or (i32.shl (local.get $c) (i32.const 4)) (local.get $d)))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br_if $hex (i32.lt_u (local.get $j) (i32.const 4)))))))
      (i32.store16 (local.get $w) (local.get $c))
      (local.set $w (i32.add (local.get $w) (i32.const 2)))
      (br $units))
    (unreachable))
)
