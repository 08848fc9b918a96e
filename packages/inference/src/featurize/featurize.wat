;; The featurizer's inner loops (wasmKernel.ts says why they are WebAssembly, and places the regions).
;;
;; scan(text, length, minRun) reads `length` UTF-16 code units of text at `text` (CODE, or where
;; jsonStrings.wat left a request body's text), maps each through the character table at TABLE (0: a
;; separator; 0xFFFF: a character JavaScript must handle; else the lowercased code unit), and for
;; every maximal run of kept characters of at least `minRun` units
;; writes its lowercased units at UNITS and a record [start in UNITS, length, hash] at RECORDS. It
;; returns the number of records, or -1 at the first character the table cannot give (the text is
;; then scanned by JavaScript instead), but for a surrogate pair whose code point is marked a
;; separator at WIDE (asked already, like emoji): it separates tokens like any other separator. A
;; text's units sit at UNITS where they sit in the text, or packed for a text with such pairs
;; (`$scanSpecial`). The hash is vocabulary.ts's `hashUnits` (`$hash`).
;;
;; count(records) looks each record's token up in the vocabulary's table (vocabulary.ts: slots of
;; [hash, entry + 1], entries of [length, value low 16 bits, value high 16 bits, units...]) and counts
;; it as Featurizer.ts does: a value below -1 (stop
;; word, padding) is no token, -1 an unknown token, from 0 a feature: its count goes up, and its bit
;; in the touched bits and its word's bit in the touched words are set. For a 1-2 gram
;; graph the vocabulary gives word ids: the word's unigram feature and the bigram of it and the
;; previous token are counted. It returns the features seen for the first time and leaves the tokens
;; and the known tokens at RESULT.
;;
;; accumulate() (after `configureSums`) consumes the counts `count` left, as Featurizer.emit does, but
;; instead of emitting keys it adds each feature's terms to the batch's running sums, as the graph
;; does from its term counts to its per-post sums: weight = float(tf(count) * idf[feature]); then,
;; in ascending feature order, each float(coef[feature][k] * weight) and float(weight * weight) is
;; added in double to a running sum that goes on across the batch's posts (the graph's CumSum); the
;; post's sums are the running sums' rise over the post, rounded to float, left at OUT. tf is the
;; count, or for sublinear tf the table at TF (1 + log count, rounded as float) and, past its end,
;; the host's `tf`. resetSums() starts a batch.
(module
  (import "host" "tf" (func $tfBeyond (param i32) (result f32)))
  ;; Fixed: CODE 0 (131072 units), TABLE 262144 (65536 entries), UNITS 393216 (131072 units),
  ;; RECORDS 655360 (65536 records of 3 x i32), RESULT 1441792 (2 x i32), DUMMY 1441808 (32 zero bytes:
  ;; an entry of length 0 that `count` compares a token with when its slot holds another hash),
  ;; ASCII_LOW 1441936 and ASCII_HIGH 1441952 (16 bytes each, `$asciiTables`), BITS 1441984 (2049 x
  ;; i64: the scan's bit per kept unit), CONSTS 1474560 (192 bytes of SIMD constants: this module's
  ;; data, then jsonStrings.wat's, then 16 zero bytes), WIDE 1507328 (a bit per code point from
  ;; U+10000: 131072 bytes). The vocabulary and the counters follow, where `configure` says;
  ;; JavaScript grows the memory for them first.
  (memory (export "memory") 25)
  ;; CONSTS: i8x16 splats of 15, 65, 25 and 32, i16x8 lanes 0-7 and 8-15, the hash's i32x4
  ;; multipliers (`$hash`), a splat of 1.
  (data (i32.const 1474560)
    "\0f\0f\0f\0f\0f\0f\0f\0f\0f\0f\0f\0f\0f\0f\0f\0f"
    "\41\41\41\41\41\41\41\41\41\41\41\41\41\41\41\41"
    "\19\19\19\19\19\19\19\19\19\19\19\19\19\19\19\19"
    "\20\20\20\20\20\20\20\20\20\20\20\20\20\20\20\20"
    "\00\00\01\00\02\00\03\00\04\00\05\00\06\00\07\00"
    "\08\00\09\00\0a\00\0b\00\0c\00\0d\00\0e\00\0f\00"
    "\b1\79\37\9e\77\ca\eb\85\3d\ae\b2\c2\2f\eb\d4\27"
    "\01\01\01\01\01\01\01\01\01\01\01\01\01\01\01\01")
  ;; (1474688-1474735: jsonStrings.wat's; 1474736: 16 zero bytes.)
  (global $slots (mut i32) (i32.const 0))
  (global $mask (mut i32) (i32.const 0))
  (global $entries (mut i32) (i32.const 0))
  (global $unknown (mut i32) (i32.const -1))
  (global $perFeature (mut i32) (i32.const 0))
  (global $touched (mut i32) (i32.const 0))
  (global $touchedWords (mut i32) (i32.const 0))
  ;; 1-2 gram graphs (0 for unigram graphs): the word -> unigram feature table and the bigram table.
  (global $unigramOfWord (mut i32) (i32.const 0))
  (global $words (mut i32) (i32.const 0))
  (global $pairs (mut i32) (i32.const 0))
  (global $pairMask (mut i32) (i32.const 0))
  ;; Where `count` leaves each record's entry, then its value, between its passes (65536 x i32).
  (global $entryOf (mut i32) (i32.const 0))
  ;; Where the text being scanned is (`scan`'s `at`).
  (global $code (mut i32) (i32.const 0))

  (func (export "configure") (param $slots i32) (param $mask i32) (param $entries i32) (param $unknown i32)
        (param $perFeature i32) (param $touched i32) (param $touchedWords i32) (param $entryOf i32)
    (global.set $slots (local.get $slots))
    (global.set $mask (local.get $mask))
    (global.set $entries (local.get $entries))
    (global.set $unknown (local.get $unknown))
    (global.set $perFeature (local.get $perFeature))
    (global.set $touched (local.get $touched))
    (global.set $touchedWords (local.get $touchedWords))
    (global.set $entryOf (local.get $entryOf)))

  ;; The per-post sums (0 until configureSums): the idf and coef tables (float), the number of
  ;; classes, the tf table (0 for raw counts) and its length, the running and starting sums (double,
  ;; C + 1 each), the post's sums (float, C + 1), and the touched words' length.
  (global $idf (mut i32) (i32.const 0))
  (global $coef (mut i32) (i32.const 0))
  (global $classes (mut i32) (i32.const 0))
  (global $tf (mut i32) (i32.const 0))
  (global $tfLength (mut i32) (i32.const 0))
  (global $running (mut i32) (i32.const 0))
  (global $start (mut i32) (i32.const 0))
  (global $out (mut i32) (i32.const 0))
  (global $touchedWordsLength (mut i32) (i32.const 0))
  (global $scratch (mut i32) (i32.const 0))
  (global $sink (mut i32) (i32.const 0))
  (global $chunk (mut i32) (i32.const 0))

  (func (export "configureSums") (param $idf i32) (param $coef i32) (param $classes i32) (param $tf i32) (param $tfLength i32)
        (param $running i32) (param $start i32) (param $out i32) (param $touchedWordsLength i32) (param $scratch i32) (param $chunk i32)
    (global.set $idf (local.get $idf))
    (global.set $coef (local.get $coef))
    (global.set $classes (local.get $classes))
    (global.set $tf (local.get $tf))
    (global.set $tfLength (local.get $tfLength))
    (global.set $running (local.get $running))
    (global.set $start (local.get $start))
    (global.set $out (local.get $out))
    (global.set $touchedWordsLength (local.get $touchedWordsLength))
    (global.set $scratch (local.get $scratch))
    (global.set $chunk (local.get $chunk)))

  (func (export "resetSums")
    (local $k i32)
    (block $done
      (loop $column
        (br_if $done (i32.gt_u (local.get $k) (global.get $classes)))
        (f64.store (i32.add (global.get $running) (i32.shl (local.get $k) (i32.const 3))) (f64.const 0))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $column))))

  ;; Adds the counted features' terms to the running sums (ascending features), clears their counts
  ;; and touched bits, and leaves the post's sums at OUT. Returns the features it took. The features'
  ;; coefficient rows and weights are listed at SCRATCH, SUMS_CHUNK at a time, and `$flush` adds them
  ;; four classes at a time, each class's sum in a register across the list: the same additions in
  ;; the same order as one feature at a time, without a store and reload of every sum per feature.
  ;; Listing a row loads its first and last words, so that the rows' cache misses overlap before
  ;; `$flush` needs them (in one process, alternating: batches of 64 -3%, long posts -5 to -8%).
  (func (export "accumulate") (result i32)
    (local $s i32) (local $words i32) (local $word i32) (local $bits i32) (local $f i32) (local $at i32)
    (local $c i32) (local $tf f32) (local $w f32) (local $k i32) (local $n i32) (local $listed i32)
    (local $sq f64) (local $C i32) (local $row i32) (local $touch i32)
    (local.set $C (global.get $classes))
    ;; The running sums as the post starts.
    (memory.copy (global.get $start) (global.get $running) (i32.shl (i32.add (local.get $C) (i32.const 1)) (i32.const 3)))
    (local.set $sq (f64.load (i32.add (global.get $running) (i32.shl (local.get $C) (i32.const 3)))))
    (block $allDone
      (loop $wordsLoop
        (br_if $allDone (i32.ge_u (local.get $s) (global.get $touchedWordsLength)))
        (local.set $at (i32.add (global.get $touchedWords) (i32.shl (local.get $s) (i32.const 2))))
        (local.set $words (i32.load (local.get $at)))
        (if (local.get $words)
          (then
            (i32.store (local.get $at) (i32.const 0))
            (loop $wordLoop
              ;; Lowest set bit first: ascending words, then ascending features within each.
              (local.set $word (i32.add (i32.shl (local.get $s) (i32.const 5)) (i32.ctz (local.get $words))))
              (local.set $words (i32.and (local.get $words) (i32.sub (local.get $words) (i32.const 1))))
              (local.set $at (i32.add (global.get $touched) (i32.shl (local.get $word) (i32.const 2))))
              (local.set $bits (i32.load (local.get $at)))
              (i32.store (local.get $at) (i32.const 0))
              (loop $bitLoop
                (local.set $f (i32.add (i32.shl (local.get $word) (i32.const 5)) (i32.ctz (local.get $bits))))
                (local.set $bits (i32.and (local.get $bits) (i32.sub (local.get $bits) (i32.const 1))))
                (local.set $at (i32.add (global.get $perFeature) (i32.shl (local.get $f) (i32.const 2))))
                (local.set $c (i32.load (local.get $at)))
                (i32.store (local.get $at) (i32.const 0))
                (local.set $tf
                  (if (result f32) (i32.eqz (global.get $tf))
                    (then (f32.convert_i32_u (local.get $c)))
                    (else (if (result f32) (i32.lt_u (local.get $c) (global.get $tfLength))
                      (then (f32.load (i32.add (global.get $tf) (i32.shl (local.get $c) (i32.const 2)))))
                      (else (call $tfBeyond (local.get $c)))))))
                (local.set $w (f32.mul (local.get $tf) (f32.load (i32.add (global.get $idf) (i32.shl (local.get $f) (i32.const 2))))))
                (local.set $sq (f64.add (local.get $sq) (f64.promote_f32 (f32.mul (local.get $w) (local.get $w)))))
                ;; The feature's coefficient row and weight, for $flush.
                (local.set $at (i32.add (global.get $scratch) (i32.shl (local.get $listed) (i32.const 3))))
                (local.set $row (i32.add (global.get $coef) (i32.shl (i32.mul (local.get $f) (local.get $C)) (i32.const 2))))
                (i32.store (local.get $at) (local.get $row))
                ;; Loads the row's first and last words now, so its cache misses overlap the listing's.
                (local.set $touch (i32.xor (local.get $touch) (i32.xor (i32.load (local.get $row))
                  (i32.load (i32.add (local.get $row) (i32.shl (i32.sub (local.get $C) (i32.const 1)) (i32.const 2)))))))
                (f32.store offset=4 (local.get $at) (local.get $w))
                (local.set $listed (i32.add (local.get $listed) (i32.const 1)))
                (if (i32.eq (local.get $listed) (global.get $chunk))
                  (then (call $flush (local.get $listed)) (local.set $listed (i32.const 0))))
                (local.set $n (i32.add (local.get $n) (i32.const 1)))
                (br_if $bitLoop (local.get $bits)))
              (br_if $wordLoop (local.get $words)))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $wordsLoop)))
    (call $flush (local.get $listed))
    ;; The touches' result, kept where nothing reads it, so that the loads are not dropped.
    (global.set $sink (local.get $touch))
    (f64.store (i32.add (global.get $running) (i32.shl (local.get $C) (i32.const 3))) (local.get $sq))
    ;; The post's sums: the running sums' rise over it.
    (local.set $k (i32.const 0))
    (block $done
      (loop $column
        (br_if $done (i32.gt_u (local.get $k) (local.get $C)))
        (f32.store (i32.add (global.get $out) (i32.shl (local.get $k) (i32.const 2)))
          (f32.demote_f64 (f64.sub (f64.load (i32.add (global.get $running) (i32.shl (local.get $k) (i32.const 3))))
                                   (f64.load (i32.add (global.get $start) (i32.shl (local.get $k) (i32.const 3)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $column)))
    (local.get $n))

  ;; Adds the `listed` rows at SCRATCH ([row address, weight] each), times their weights, to the
  ;; running sums of the C classes: twenty classes at a time, then four, then one.
  (func $flush (param $listed i32)
    (local $k i32) (local $k4 i32) (local $e i32) (local $end i32) (local $at i32) (local $v v128) (local $lo v128) (local $hi v128)
    (local $acc f64) (local $C i32) (local $C4 i32) (local $row i32) (local $w v128)
    (local $lo0 v128) (local $hi0 v128) (local $lo1 v128) (local $hi1 v128) (local $lo2 v128) (local $hi2 v128) (local $lo3 v128) (local $hi3 v128) (local $lo4 v128) (local $hi4 v128)
    (local.set $C (global.get $classes))
    (local.set $C4 (i32.and (local.get $C) (i32.const -4)))
    (local.set $end (i32.add (global.get $scratch) (i32.shl (local.get $listed) (i32.const 3))))
    ;; 20 classes at a time, ten double pairs in registers: one pass over the rows, and ten
    ;; independent chains of additions, where four classes at a time made two, each addition waiting
    ;; on the last (the 20 Newsgroups model has 20 classes).
    (block $twentiesDone
      (loop $twenty
        (br_if $twentiesDone (i32.gt_u (i32.add (local.get $k) (i32.const 20)) (local.get $C4)))
        (local.set $k4 (i32.shl (local.get $k) (i32.const 2)))
        (local.set $at (i32.add (global.get $running) (i32.shl (local.get $k) (i32.const 3))))
        (local.set $lo0 (v128.load offset=0 (local.get $at)))
        (local.set $hi0 (v128.load offset=16 (local.get $at)))
        (local.set $lo1 (v128.load offset=32 (local.get $at)))
        (local.set $hi1 (v128.load offset=48 (local.get $at)))
        (local.set $lo2 (v128.load offset=64 (local.get $at)))
        (local.set $hi2 (v128.load offset=80 (local.get $at)))
        (local.set $lo3 (v128.load offset=96 (local.get $at)))
        (local.set $hi3 (v128.load offset=112 (local.get $at)))
        (local.set $lo4 (v128.load offset=128 (local.get $at)))
        (local.set $hi4 (v128.load offset=144 (local.get $at)))
        (local.set $e (global.get $scratch))
        (block $rowsDone
          (loop $rows
            (br_if $rowsDone (i32.ge_u (local.get $e) (local.get $end)))
            (local.set $row (i32.add (i32.load (local.get $e)) (local.get $k4)))
            (local.set $w (f32x4.splat (f32.load offset=4 (local.get $e))))
            (local.set $v (f32x4.mul (v128.load offset=0 (local.get $row)) (local.get $w)))
            (local.set $lo0 (f64x2.add (local.get $lo0) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $hi0 (f64x2.add (local.get $hi0) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v)))))
            (local.set $v (f32x4.mul (v128.load offset=16 (local.get $row)) (local.get $w)))
            (local.set $lo1 (f64x2.add (local.get $lo1) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $hi1 (f64x2.add (local.get $hi1) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v)))))
            (local.set $v (f32x4.mul (v128.load offset=32 (local.get $row)) (local.get $w)))
            (local.set $lo2 (f64x2.add (local.get $lo2) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $hi2 (f64x2.add (local.get $hi2) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v)))))
            (local.set $v (f32x4.mul (v128.load offset=48 (local.get $row)) (local.get $w)))
            (local.set $lo3 (f64x2.add (local.get $lo3) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $hi3 (f64x2.add (local.get $hi3) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v)))))
            (local.set $v (f32x4.mul (v128.load offset=64 (local.get $row)) (local.get $w)))
            (local.set $lo4 (f64x2.add (local.get $lo4) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $hi4 (f64x2.add (local.get $hi4) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v)))))
            (local.set $e (i32.add (local.get $e) (i32.const 8)))
            (br $rows)))
        (v128.store offset=0 (local.get $at) (local.get $lo0))
        (v128.store offset=16 (local.get $at) (local.get $hi0))
        (v128.store offset=32 (local.get $at) (local.get $lo1))
        (v128.store offset=48 (local.get $at) (local.get $hi1))
        (v128.store offset=64 (local.get $at) (local.get $lo2))
        (v128.store offset=80 (local.get $at) (local.get $hi2))
        (v128.store offset=96 (local.get $at) (local.get $lo3))
        (v128.store offset=112 (local.get $at) (local.get $hi3))
        (v128.store offset=128 (local.get $at) (local.get $lo4))
        (v128.store offset=144 (local.get $at) (local.get $hi4))
        (local.set $k (i32.add (local.get $k) (i32.const 20)))
        (br $twenty)))
    (block $blocksDone
      (loop $block
        (br_if $blocksDone (i32.ge_u (local.get $k) (local.get $C4)))
        (local.set $k4 (i32.shl (local.get $k) (i32.const 2)))
        (local.set $at (i32.add (global.get $running) (i32.shl (local.get $k) (i32.const 3))))
        (local.set $lo (v128.load (local.get $at)))
        (local.set $hi (v128.load offset=16 (local.get $at)))
        (local.set $e (global.get $scratch))
        (block $rowsDone
          (loop $row
            (br_if $rowsDone (i32.ge_u (local.get $e) (local.get $end)))
            (local.set $v (f32x4.mul (v128.load (i32.add (i32.load (local.get $e)) (local.get $k4)))
                                     (f32x4.splat (f32.load offset=4 (local.get $e)))))
            (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v)))))
            (local.set $e (i32.add (local.get $e) (i32.const 8)))
            (br $row)))
        (v128.store (local.get $at) (local.get $lo))
        (v128.store offset=16 (local.get $at) (local.get $hi))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $block)))
    (block $columnsDone
      (loop $column
        (br_if $columnsDone (i32.ge_u (local.get $k) (local.get $C)))
        (local.set $k4 (i32.shl (local.get $k) (i32.const 2)))
        (local.set $at (i32.add (global.get $running) (i32.shl (local.get $k) (i32.const 3))))
        (local.set $acc (f64.load (local.get $at)))
        (local.set $e (global.get $scratch))
        (block $rowsDone
          (loop $row
            (br_if $rowsDone (i32.ge_u (local.get $e) (local.get $end)))
            (local.set $acc (f64.add (local.get $acc) (f64.promote_f32
              (f32.mul (f32.load (i32.add (i32.load (local.get $e)) (local.get $k4))) (f32.load offset=4 (local.get $e))))))
            (local.set $e (i32.add (local.get $e) (i32.const 8)))
            (br $row)))
        (f64.store (local.get $at) (local.get $acc))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $column))))

  (func (export "configureBigrams") (param $unigramOfWord i32) (param $words i32) (param $pairs i32) (param $pairMask i32)
    (global.set $unigramOfWord (local.get $unigramOfWord))
    (global.set $words (local.get $words))
    (global.set $pairs (local.get $pairs))
    (global.set $pairMask (local.get $pairMask)))

  ;; The bigram feature of two adjacent word ids, or -1: pairTable.ts's lookup (slots of
  ;; [first + 1, second, feature], linear probing from pairHash).
  (func $pair (param $first i32) (param $second i32) (result i32)
    (local $h i32) (local $slot i32) (local $at i32) (local $f i32)
    (local.set $h (i32.xor (i32.mul (local.get $first) (i32.const 0x9e3779b1)) (i32.mul (local.get $second) (i32.const 0x85ebca6b))))
    (local.set $slot (i32.and (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 15))) (global.get $pairMask)))
    (loop $probe
      (local.set $at (i32.add (global.get $pairs) (i32.mul (local.get $slot) (i32.const 12))))
      (local.set $f (i32.load (local.get $at)))
      (if (i32.eqz (local.get $f)) (then (return (i32.const -1))))
      (if (i32.and (i32.eq (local.get $f) (i32.add (local.get $first) (i32.const 1))) (i32.eq (i32.load offset=4 (local.get $at)) (local.get $second)))
        (then (return (i32.load offset=8 (local.get $at)))))
      (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (global.get $pairMask)))
      (br $probe))
    (i32.const -1))

  ;; Counts one occurrence of `feature` (a bigram's: pass 3 tallies the unigrams inline): 1 when it is
  ;; the feature's first in the text, else 0. Setting a touched bit that is set already changes
  ;; nothing, so the bits are set every time.
  (func $tally (param $feature i32) (result i32)
    (local $at i32) (local $seen i32) (local $word i32)
    (local.set $word (i32.shr_u (local.get $feature) (i32.const 5)))
    (local.set $at (i32.add (global.get $perFeature) (i32.shl (local.get $feature) (i32.const 2))))
    (local.set $seen (i32.load (local.get $at)))
    (i32.store (local.get $at) (i32.add (local.get $seen) (i32.const 1)))
    (local.set $at (i32.add (global.get $touched) (i32.shl (local.get $word) (i32.const 2))))
    (i32.store (local.get $at) (i32.or (i32.load (local.get $at)) (i32.shl (i32.const 1) (local.get $feature))))
    (local.set $at (i32.add (global.get $touchedWords) (i32.shl (i32.shr_u (local.get $word) (i32.const 5)) (i32.const 2))))
    (i32.store (local.get $at) (i32.or (i32.load (local.get $at)) (i32.shl (i32.const 1) (local.get $word))))
    (i32.eqz (local.get $seen)))

  ;; 1 when the code units at i are a surrogate pair whose code point WIDE marks a separator, else 0.
  (func $wideSeparator (param $i i32) (param $length i32) (result i32)
    (local $high i32) (local $low i32) (local $cp i32)
    (if (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (local.get $length)) (then (return (i32.const 0))))
    (local.set $high (i32.load16_u (i32.add (global.get $code) (i32.shl (local.get $i) (i32.const 1)))))
    (local.set $low (i32.load16_u offset=2 (i32.add (global.get $code) (i32.shl (local.get $i) (i32.const 1)))))
    (if (i32.or (i32.ne (i32.and (local.get $high) (i32.const 0xfc00)) (i32.const 0xd800))
                (i32.ne (i32.and (local.get $low) (i32.const 0xfc00)) (i32.const 0xdc00)))
      (then (return (i32.const 0))))
    ;; cp - 0x10000, from 0 to 0xFFFFF
    (local.set $cp (i32.or (i32.shl (i32.and (local.get $high) (i32.const 0x3ff)) (i32.const 10)) (i32.and (local.get $low) (i32.const 0x3ff))))
    (i32.and (i32.shr_u (i32.load offset=1507328 (i32.shl (i32.shr_u (local.get $cp) (i32.const 5)) (i32.const 2)))
                        (i32.and (local.get $cp) (i32.const 31)))
             (i32.const 1)))

  ;; The token hash of the `length` code units at `at` (vocabulary.ts `hashUnits`, which says why).
  ;; Reads up to 14 bytes past the units (masked off): every caller's units have memory after them.
  (func $hash (param $at i32) (param $length i32) (result i32)
    (local $h i32) (local $b i32) (local $left i32) (local $v v128)
    (local.set $h (i32.const 0x811c9dc5))
    (loop $block
      (local.set $left (i32.sub (local.get $length) (local.get $b)))
      ;; The block's four unit pairs, units past the end zeroed, each times its own constant.
      (local.set $v (i32x4.mul
        (v128.and (v128.load (i32.add (local.get $at) (i32.shl (local.get $b) (i32.const 1))))
                  (i16x8.lt_s (v128.const i16x8 0 1 2 3 4 5 6 7)
                              (i16x8.splat (select (local.get $left) (i32.const 8) (i32.lt_u (local.get $left) (i32.const 8))))))
        (v128.const i32x4 0x9e3779b1 0x85ebca77 0xc2b2ae3d 0x27d4eb2f)))
      (local.set $v (v128.xor (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.xor (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v))))
                             (i32.const 0x165667b1)))
      (local.set $b (i32.add (local.get $b) (i32.const 8)))
      (br_if $block (i32.lt_u (local.get $b) (local.get $length))))
    ;; murmur3's finaliser, over the hash and the length.
    (local.set $h (i32.xor (local.get $h) (local.get $length)))
    (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))) (i32.const 0x85ebca6b)))
    (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))) (i32.const 0xc2b2ae35)))
    (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))

  ;; Fills ASCII_LOW and ASCII_HIGH for the scan's 16-unit steps: a kept unit c has bit c >> 4 of
  ;; ASCII_LOW[c & 15], and ASCII_HIGH[n] is 1 << n. Returns 1 when TABLE keeps ASCII as those steps
  ;; write it, every unit from 1 to 127 a separator (0) or itself lowercased (A-Z + 32), else 0 (an
  ;; ASCII block not asked yet, or a graph that lowers otherwise): the scan then goes through TABLE.
  ;; Read from TABLE at every scan, as the table may change between scans (CharClasses.ask), 8 units
  ;; at a time (against a unit at a time: no difference measured both ways, each kernel loaded first
  ;; in turn; the 6-8% measured one way was the harness's bias: the inference README says more).
  (func $asciiTables (result i32)
    (local $j i32) (local $t v128) (local $c v128) (local $ok i32) (local $low i64) (local $high i64) (local $m i64)
    (local $groups v128) (local $n i32)
    (local.set $ok (i32.const 1))
    (loop $eight
      ;; Units 8j to 8j + 7: each a separator or its own lowercase (NUL, unit 0, is never read by
      ;; those steps), and which are kept.
      (local.set $t (v128.load offset=262144 (i32.shl (local.get $j) (i32.const 4))))
      (local.set $c (i16x8.add (i16x8.splat (i32.shl (local.get $j) (i32.const 3))) (v128.const i16x8 0 1 2 3 4 5 6 7)))
      (local.set $ok (i32.and (local.get $ok) (i16x8.all_true (v128.or (v128.or
        (i16x8.eq (local.get $t) (v128.const i64x2 0 0))
        (i16x8.eq (local.get $t) (i16x8.add (local.get $c) (v128.and
          (i16x8.lt_u (i16x8.sub (local.get $c) (v128.const i16x8 65 65 65 65 65 65 65 65)) (v128.const i16x8 26 26 26 26 26 26 26 26))
          (v128.const i16x8 32 32 32 32 32 32 32 32)))))
        (i16x8.eq (local.get $c) (v128.const i64x2 0 0))))))
      (local.set $m (i64.shl (i64.extend_i32_u (i16x8.bitmask (i16x8.ne (local.get $t) (v128.const i64x2 0 0))))
                             (i64.extend_i32_u (i32.shl (i32.and (local.get $j) (i32.const 7)) (i32.const 3)))))
      (if (i32.lt_u (local.get $j) (i32.const 8))
        (then (local.set $low (i64.or (local.get $low) (local.get $m))))
        (else (local.set $high (i64.or (local.get $high) (local.get $m)))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br_if $eight (i32.lt_u (local.get $j) (i32.const 16))))
    ;; Lane h (16 bits) of `groups`: which of units 16h to 16h + 15 are kept (not NUL).
    (local.set $groups (i64x2.replace_lane 1 (i64x2.splat (i64.and (local.get $low) (i64.const -2))) (local.get $high)))
    ;; ASCII_LOW[n]: bit h of each lane h's bit n.
    (loop $column
      (i32.store8 offset=1441936 (local.get $n) (i16x8.bitmask (i16x8.ne
        (v128.and (i16x8.shr_u (local.get $groups) (local.get $n)) (v128.const i16x8 1 1 1 1 1 1 1 1))
        (v128.const i64x2 0 0))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $column (i32.lt_u (local.get $n) (i32.const 16))))
    (v128.store offset=1441952 (i32.const 0) (v128.const i8x16 1 2 4 8 16 32 64 128 0 0 0 0 0 0 0 0))
    (local.get $ok))

  ;; Pass 1 writes every code unit lowercased to UNITS at the same index and sets its bit at BITS when
  ;; it is kept: ASCII 16 units at a time in SIMD, other units through TABLE, with no branch per unit;
  ;; a character TABLE cannot give sends the text to `$scanSpecial`. Pass 2 walks the bits' changes
  ;; (count trailing zeros), a run per two, and records every run long enough; pass 3 hashes them.
  ;; Why: the scan a character at a time, branching on kept or not, took 2.9-3.3 ns a character, most
  ;; of it mispredicted run ends and starts; this one takes 1.7-2.0 (batches of 64 test posts, in one
  ;; process alternating: 368 -> 208 and 406 -> 249 us). Pass 3 inlines `$hash`: calling it per
  ;; token made batches 4% and long posts 8% slower (both ways).
  (func (export "scan") (param $text i32) (param $length i32) (param $minRun i32) (result i32)
    (local $i i32) (local $c i32) (local $bits i64) (local $special i32) (local $w i32) (local $words i32)
    (local $m i64) (local $t i64) (local $carry i64) (local $p i32) (local $inRun i32) (local $start i32) (local $n i32)
    (local $at i32) (local $len i32) (local $src i32) (local $h i32) (local $b i32) (local $left i32) (local $v v128) (local $k i32)
    (local $simd i32) (local $lo v128) (local $hi v128) (local $v0 v128) (local $v1 v128) (local $bytes v128) (local $kept i32) (local $end i32)
    (local $c15 v128) (local $c65 v128) (local $c25 v128) (local $c32 v128) (local $c1 v128) (local $zero v128) (local $lanes v128) (local $multipliers v128)
    (global.set $code (local.get $text))
    ;; ASCII text, 16 units at a time, when the table keeps ASCII as `$asciiTables` requires.
    (local.set $simd (call $asciiTables))
    (local.set $lo (v128.load offset=1441936 (i32.const 0)))
    (local.set $hi (v128.load offset=1441952 (i32.const 0)))
    ;; The steps' constants, loaded from CONSTS: V8 builds a v128.const (or a local set to one) anew
    ;; at every use inside a loop, four instructions each, where a loaded value stays in a register.
    (local.set $c15 (v128.load offset=1474560 (i32.const 0)))
    (local.set $c65 (v128.load offset=1474576 (i32.const 0)))
    (local.set $c25 (v128.load offset=1474592 (i32.const 0)))
    (local.set $c32 (v128.load offset=1474608 (i32.const 0)))
    (local.set $c1 (v128.load offset=1474672 (i32.const 0)))
    (local.set $zero (v128.load offset=1474736 (i32.const 0)))
    (block $mapped
      (loop $chunk
        (br_if $mapped (i32.ge_u (local.get $i) (local.get $length)))
        (block $scalar
          (br_if $scalar (i32.or (i32.eqz (local.get $simd)) (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $length))))
          (local.set $v0 (v128.load (i32.add (local.get $text) (i32.shl (local.get $i) (i32.const 1)))))
          (local.set $v1 (v128.load offset=16 (i32.add (local.get $text) (i32.shl (local.get $i) (i32.const 1)))))
          ;; Every unit from 1 to 127 (NUL is special)? Narrowed to bytes, a unit past 127 is 255 (-1 as a
          ;; signed byte) or, past 0x7FFF, 0: only for 1 to 127 are the byte and the byte less one both
          ;; without their sign bit. (x64 has no unsigned 16-bit compare: V8 spends three or four
          ;; instructions on each `i16x8.lt_u`; and all_true of gt_s took eight.)
          (local.set $bytes (i8x16.narrow_i16x8_u (local.get $v0) (local.get $v1)))
          (br_if $scalar (i8x16.bitmask (v128.or (local.get $bytes) (i8x16.sub (local.get $bytes) (local.get $c1)))))
          ;; Kept: the low nibble's row of bits, at the high nibble's bit (the high nibble by a 16-bit
          ;; shift and the low nibbles' mask: V8 builds i8x16.shr_u from those and a mask it makes anew);
          ;; a zero byte is a separator, and the bitmask of those is inverted as an integer.
          (local.set $kept (i32.xor (i32.const 0xffff) (i8x16.bitmask (i8x16.eq (local.get $zero) (v128.and
            (i8x16.swizzle (local.get $lo) (v128.and (local.get $bytes) (local.get $c15)))
            (i8x16.swizzle (local.get $hi) (v128.and (i16x8.shr_u (local.get $bytes) (i32.const 4)) (local.get $c15))))))))
          ;; Lowercased: A-Z + 32, as bytes, then widened back to units (a separator's unit is never read).
          (local.set $v (i8x16.sub (local.get $bytes) (local.get $c65)))
          (local.set $bytes (i8x16.add (local.get $bytes) (v128.and
            ;; Below 26: x64 has no unsigned byte compare, but an unsigned minimum.
            (i8x16.eq (i8x16.min_u (local.get $v) (local.get $c25)) (local.get $v))
            (local.get $c32))))
          (v128.store offset=393216 (i32.shl (local.get $i) (i32.const 1)) (i16x8.extend_low_i8x16_u (local.get $bytes)))
          (v128.store offset=393232 (i32.shl (local.get $i) (i32.const 1)) (i16x8.extend_high_i8x16_u (local.get $bytes)))
          (local.set $bits (i64.or (local.get $bits) (i64.shl (i64.extend_i32_u (local.get $kept)) (i64.extend_i32_u (local.get $i)))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (if (i32.eqz (i32.and (local.get $i) (i32.const 63)))
            (then
              (i64.store offset=1441984 (i32.shl (i32.shr_u (i32.sub (local.get $i) (i32.const 1)) (i32.const 6)) (i32.const 3)) (local.get $bits))
              (local.set $bits (i64.const 0))))
          (br $chunk))
        ;; Else these 16 units (or the text's last few) one at a time, through TABLE.
        (local.set $end (select (local.get $length) (i32.add (local.get $i) (i32.const 16))
                                (i32.lt_u (local.get $length) (i32.add (local.get $i) (i32.const 16)))))
        (loop $unit
          (local.set $c (i32.load16_u offset=262144 (i32.shl (i32.load16_u (i32.add (local.get $text) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 1))))
          (i32.store16 offset=393216 (i32.shl (local.get $i) (i32.const 1)) (local.get $c))
          (local.set $bits (i64.or (local.get $bits)
            (i64.shl (i64.extend_i32_u (i32.ne (local.get $c) (i32.const 0))) (i64.extend_i32_u (local.get $i)))))
          (local.set $special (i32.or (local.get $special) (i32.eq (local.get $c) (i32.const 0xffff))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (if (i32.eqz (i32.and (local.get $i) (i32.const 63)))
            (then
              (i64.store offset=1441984 (i32.shl (i32.shr_u (i32.sub (local.get $i) (i32.const 1)) (i32.const 6)) (i32.const 3)) (local.get $bits))
              (local.set $bits (i64.const 0))))
          (br_if $unit (i32.lt_u (local.get $i) (local.get $end))))
        (br $chunk)))
    (if (local.get $special) (then (return (call $scanSpecial (local.get $length) (local.get $minRun)))))
    ;; The last word, partial or 0: the text's last run then ends at a change like any other.
    (local.set $words (i32.add (i32.shr_u (local.get $length) (i32.const 6)) (i32.const 1)))
    (i64.store offset=1441984 (i32.shl (i32.shr_u (local.get $length) (i32.const 6)) (i32.const 3)) (local.get $bits))
    (block $walked
      (loop $word
        (br_if $walked (i32.ge_u (local.get $w) (local.get $words)))
        (local.set $m (i64.load offset=1441984 (i32.shl (local.get $w) (i32.const 3))))
        ;; A bit where a unit's kept or not differs from the unit before it's.
        (local.set $t (i64.xor (local.get $m) (i64.or (i64.shl (local.get $m) (i64.const 1)) (local.get $carry))))
        (local.set $carry (i64.shr_u (local.get $m) (i64.const 63)))
        (block $changesDone
          (loop $change
            (br_if $changesDone (i64.eqz (local.get $t)))
            (local.set $p (i32.add (i32.shl (local.get $w) (i32.const 6)) (i32.wrap_i64 (i64.ctz (local.get $t)))))
            (local.set $t (i64.and (local.get $t) (i64.sub (local.get $t) (i64.const 1))))
            ;; Starts and ends alternate, which the branch predictor follows.
            (if (local.get $inRun)
              (then
                ;; The run [start, p): its record, kept when the run is long enough to be a token
                ;; (else overwritten); its hash comes after.
                (local.set $len (i32.sub (local.get $p) (local.get $start)))
                (local.set $at (i32.mul (local.get $n) (i32.const 12)))
                (i32.store offset=655360 (local.get $at) (local.get $start))
                (i32.store offset=655364 (local.get $at) (local.get $len))
                (local.set $n (i32.add (local.get $n) (i32.ge_u (local.get $len) (local.get $minRun)))))
              (else (local.set $start (local.get $p))))
            (local.set $inRun (i32.xor (local.get $inRun) (i32.const 1)))
            (br $change)))
        (local.set $w (i32.add (local.get $w) (i32.const 1)))
        (br $word)))
    ;; Pass 3: the tokens' hashes, as `$hash` computes them, inlined. In a loop of their own (without
    ;; pass 2's branches, and only for runs long enough to be tokens), several tokens' hashes are
    ;; under way at once. Its constants are loaded from CONSTS, as pass 1's are.
    (local.set $lanes (v128.load offset=1474624 (i32.const 0)))
    (local.set $multipliers (v128.load offset=1474656 (i32.const 0)))
    (local.set $k (i32.const 0))
    (block $hashed
      (loop $token
        (br_if $hashed (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $at (i32.mul (local.get $k) (i32.const 12)))
        (local.set $len (i32.load offset=655364 (local.get $at)))
        (local.set $src (i32.add (i32.const 393216) (i32.shl (i32.load offset=655360 (local.get $at)) (i32.const 1))))
        (local.set $h (i32.const 0x811c9dc5))
        (local.set $b (i32.const 0))
        (loop $block
          (local.set $left (i32.sub (local.get $len) (local.get $b)))
          (local.set $v (i32x4.mul
            (v128.and (v128.load (i32.add (local.get $src) (i32.shl (local.get $b) (i32.const 1))))
                      (i16x8.lt_s (local.get $lanes)
                                  (i16x8.splat (select (local.get $left) (i32.const 8) (i32.lt_u (local.get $left) (i32.const 8))))))
            (local.get $multipliers)))
          (local.set $v (v128.xor (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
          (local.set $h (i32.mul (i32.xor (local.get $h) (i32.xor (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v))))
                                 (i32.const 0x165667b1)))
          (local.set $b (i32.add (local.get $b) (i32.const 8)))
          (br_if $block (i32.lt_u (local.get $b) (local.get $len))))
        (local.set $h (i32.xor (local.get $h) (local.get $len)))
        (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))) (i32.const 0x85ebca6b)))
        (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))) (i32.const 0xc2b2ae35)))
        (i32.store offset=655368 (local.get $at) (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $token)))
    (local.get $n))

  (func $scanSpecial (param $length i32) (param $minRun i32) (result i32)
    (local $i i32) (local $c i32) (local $u i32) (local $start i32) (local $n i32)
    (block $done
      (loop $text
        (br_if $done (i32.ge_u (local.get $i) (local.get $length)))
        ;; c = TABLE[text[i]]
        (local.set $c (i32.load16_u offset=262144 (i32.shl (i32.load16_u (i32.add (global.get $code) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 1))))
        (if (i32.eqz (local.get $c))
          (then (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $text)))
        (if (i32.eq (local.get $c) (i32.const 0xffff))
          (then
            (if (call $wideSeparator (local.get $i) (local.get $length))
              (then (local.set $i (i32.add (local.get $i) (i32.const 2))) (br $text)))
            (return (i32.const -1))))
        ;; A run of kept characters starts at i.
        (local.set $start (local.get $u))
        (block $runEnd
          (loop $run
            (i32.store16 offset=393216 (i32.shl (local.get $u) (i32.const 1)) (local.get $c))
            (local.set $u (i32.add (local.get $u) (i32.const 1)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $runEnd (i32.ge_u (local.get $i) (local.get $length)))
            (local.set $c (i32.load16_u offset=262144 (i32.shl (i32.load16_u (i32.add (global.get $code) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 1))))
            (br_if $runEnd (i32.eqz (local.get $c)))
            ;; A separator pair ends the run; the outer loop steps over it.
            (if (i32.eq (local.get $c) (i32.const 0xffff))
              (then
                (br_if $runEnd (call $wideSeparator (local.get $i) (local.get $length)))
                (return (i32.const -1))))
            (br $run)))
        (if (i32.ge_u (i32.sub (local.get $u) (local.get $start)) (local.get $minRun))
          (then
            (i32.store offset=655360 (i32.mul (local.get $n) (i32.const 12)) (local.get $start))
            (i32.store offset=655364 (i32.mul (local.get $n) (i32.const 12)) (i32.sub (local.get $u) (local.get $start)))
            (i32.store offset=655368 (i32.mul (local.get $n) (i32.const 12))
              (call $hash (i32.add (i32.const 393216) (i32.shl (local.get $start) (i32.const 1))) (i32.sub (local.get $u) (local.get $start))))
            (local.set $n (i32.add (local.get $n) (i32.const 1))))
          ;; Too short to be a token: its units are overwritten by the next run.
          (else (local.set $u (local.get $start))))
        (br $text)))
    (local.get $n))

  (func (export "count") (param $records i32) (result i32)
    (local $k i32) (local $at i32) (local $start i32) (local $length i32) (local $h i32) (local $slot i32)
    (local $entry i32) (local $j i32) (local $value i32) (local $bigram i32) (local $previous i32)
    (local $distinct i32) (local $tokens i32) (local $known i32) (local $a i32) (local $b i32) (local $isKnown i32)
    (local $slotEntry i32) (local $match i32) (local $word i32) (local $seen i32) (local $features i32)
    (local $lanesLow v128) (local $lanesHigh v128)
    (local.set $previous (i32.const -1))
    ;; Three passes over the records, each leaving at `entryOf` what the next needs, so that within a
    ;; pass the cache misses of one token's loads do not wait on another's: the slots, then (after a
    ;; loop that only loads them) the entries, then the counters. In one loop, each token's loads
    ;; waited on its previous loads: batches of 64 took 12% longer (both ways, each kernel loaded
    ;; first in turn).
    ;; Pass 1: each token's first slot, and the entry it names when its hash is the token's (0: the
    ;; slot is empty; DUMMY: it holds another hash).
    (block $slotsDone
      (loop $slotLoop
        (br_if $slotsDone (i32.ge_u (local.get $k) (local.get $records)))
        (local.set $h (i32.load offset=655368 (i32.mul (local.get $k) (i32.const 12))))
        (local.set $at (i32.add (global.get $slots) (i32.shl (i32.and (local.get $h) (global.get $mask)) (i32.const 3))))
        (local.set $slotEntry (i32.load offset=4 (local.get $at)))
        (i32.store (i32.add (global.get $entryOf) (i32.shl (local.get $k) (i32.const 2)))
          (select (select (i32.add (global.get $entries) (i32.shl (i32.sub (local.get $slotEntry) (i32.const 1)) (i32.const 1)))
                          (i32.const 1441808)
                          (i32.eq (i32.load (local.get $at)) (local.get $h)))
                  (i32.const 0)
                  (local.get $slotEntry)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $slotLoop)))
    ;; Then each entry's first word is loaded, in a loop that does little else, so that many of the
    ;; entries' cache misses are under way at once before pass 2 needs them (-2% of featurizing a
    ;; batch, both ways: within this machine's noise).
    (local.set $k (i32.const 0))
    (block $entriesTouched
      (loop $touchEntry
        (br_if $entriesTouched (i32.ge_u (local.get $k) (local.get $records)))
        (local.set $entry (i32.load (i32.add (global.get $entryOf) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $j (i32.xor (local.get $j) (i32.load16_u (select (local.get $entry) (i32.const 1441808) (local.get $entry)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $touchEntry)))
    (global.set $sink (local.get $j))
    ;; Pass 2: each token's value (a feature, or a negative class). The lanes' indices are loaded from
    ;; CONSTS, as the scan's constants are.
    (local.set $lanesLow (v128.load offset=1474624 (i32.const 0)))
    (local.set $lanesHigh (v128.load offset=1474640 (i32.const 0)))
    (local.set $k (i32.const 0))
    (block $done
      (loop $token
        (br_if $done (i32.ge_u (local.get $k) (local.get $records)))
        (local.set $entry (i32.load (i32.add (global.get $entryOf) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $at (i32.mul (local.get $k) (i32.const 12)))
        (local.set $start (i32.load offset=655360 (local.get $at)))
        (local.set $length (i32.load offset=655364 (local.get $at)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        ;; The common case without branches: the token's first slot is empty (unknown) or holds it, and
        ;; it has at most 16 units, compared 8 at a time with the entry's (lanes past its length masked;
        ;; DUMMY has length 0). Branching on the slot, the hash, the length and the units cost a
        ;; mispredicted branch in most tokens; up to 8 units only, the 9% of tokens longer took the
        ;; probing loop (16: batches of 64 -3%, both ways).
        (local.set $slotEntry (local.get $entry))
        (local.set $entry (select (local.get $entry) (i32.const 1441808) (local.get $entry)))
        (local.set $a (i32.shl (local.get $start) (i32.const 1)))
        (local.set $match (i32.and (i32.eq (i32.load16_u (local.get $entry)) (local.get $length))
          (i32.xor (i32.const 1) (v128.any_true (v128.or
            (v128.and
              (v128.xor (v128.load offset=393216 (local.get $a)) (v128.load offset=6 (local.get $entry)))
              (i16x8.lt_s (local.get $lanesLow) (i16x8.splat (local.get $length))))
            (v128.and
              (v128.xor (v128.load offset=393232 (local.get $a)) (v128.load offset=22 (local.get $entry)))
              (i16x8.lt_s (local.get $lanesHigh) (i16x8.splat (local.get $length)))))))))
        ;; (A token of more than 16 units whose first 16 match goes on to the probing loop.)
        (if (i32.or (i32.eqz (local.get $slotEntry)) (i32.and (local.get $match) (i32.le_u (local.get $length) (i32.const 16))))
          (then
            (local.set $value (select (i32.load offset=2 (local.get $entry))
                                      (global.get $unknown) (local.get $match))))
          (else
            ;; Else linear probing from the hash's slot, as Vocabulary.lookup.
            (local.set $h (i32.load offset=655368 (i32.mul (i32.sub (local.get $k) (i32.const 1)) (i32.const 12))))
            (local.set $slot (i32.and (local.get $h) (global.get $mask)))
            (block $found
              (loop $probe
                (local.set $at (i32.add (global.get $slots) (i32.shl (local.get $slot) (i32.const 3))))
                (local.set $entry (i32.sub (i32.load offset=4 (local.get $at)) (i32.const 1)))
                (if (i32.lt_s (local.get $entry) (i32.const 0))
                  (then (local.set $value (global.get $unknown)) (br $found)))
                ;; The entry is read only when the slot's hash matches (it is another cache line).
                (if (i32.eq (i32.load (local.get $at)) (local.get $h))
                  (then
                    (local.set $entry (i32.add (global.get $entries) (i32.shl (local.get $entry) (i32.const 1))))
                    (if (i32.eq (i32.load16_u (local.get $entry)) (local.get $length))
                      (then
                        ;; The units four at a time, then the last zero to three with the rest of their eight
                        ;; bytes masked off (both sides have readable memory past their units: the records
                        ;; follow UNITS, the counters follow the entries). A unit at a time, the loop's exit
                        ;; was a branch mispredicted about once a token: 12-14% of featurizing.
                        (local.set $j (i32.const 0))
                        (local.set $a (i32.add (i32.shl (local.get $start) (i32.const 1)) (i32.const 393216)))
                        (local.set $b (i32.add (local.get $entry) (i32.const 6)))
                        (block $differ
                          (block $tail
                            (loop $compare
                              (br_if $tail (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $length)))
                              (br_if $differ (i64.ne (i64.load (i32.add (local.get $a) (i32.shl (local.get $j) (i32.const 1))))
                                                     (i64.load (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 1))))))
                              (local.set $j (i32.add (local.get $j) (i32.const 4)))
                              (br $compare)))
                          (br_if $differ (i64.ne (i64.const 0) (i64.and
                            (i64.xor (i64.load (i32.add (local.get $a) (i32.shl (local.get $j) (i32.const 1))))
                                     (i64.load (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 1)))))
                            (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (i32.shl (i32.sub (local.get $length) (local.get $j)) (i32.const 4))))
                                     (i64.const 1)))))
                          (local.set $value (i32.load offset=2 (local.get $entry)))
                          (br $found))))))
                (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (global.get $mask)))
                (br $probe)))))
        ;; A 1-2 gram graph's value is a word id: left in place for pass 2b. Else the tokens (not stop
        ;; words) and the known tokens are counted here; only features go on to pass 3, packed at the
        ;; front of `entryOf` (past the entries read already): about half the tokens. (The bigrams in
        ;; a loop of their own: in this one, their state made V8 keep this loop's in memory.)
        (if (global.get $unigramOfWord)
          (then (i32.store (i32.add (global.get $entryOf) (i32.shl (i32.sub (local.get $k) (i32.const 1)) (i32.const 2))) (local.get $value)))
          (else
            (local.set $tokens (i32.add (local.get $tokens) (i32.ge_s (local.get $value) (i32.const -1))))
            (local.set $isKnown (i32.ge_s (local.get $value) (i32.const 0)))
            (local.set $known (i32.add (local.get $known) (local.get $isKnown)))
            (i32.store (i32.add (global.get $entryOf) (i32.shl (local.get $features) (i32.const 2))) (local.get $value))
            (local.set $features (i32.add (local.get $features) (local.get $isKnown)))))
        (br $token)))
    ;; Pass 2b, for a 1-2 gram graph, in the text's order: each word's unigram feature, and the bigram
    ;; of it and the word before (counted at once); then tokens, known tokens and features as above.
    (if (global.get $unigramOfWord)
      (then
        (local.set $k (i32.const 0))
        (block $worded
          (loop $word
            (br_if $worded (i32.ge_u (local.get $k) (local.get $records)))
            (local.set $value (i32.load (i32.add (global.get $entryOf) (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (if (i32.ge_s (local.get $previous) (i32.const 0))
              (then
                (local.set $bigram (call $pair (local.get $previous) (local.get $value)))
                (if (i32.ge_s (local.get $bigram) (i32.const 0))
                  (then (local.set $distinct (i32.add (local.get $distinct)
                    (call $tally (local.get $bigram))))))))
            (local.set $previous (local.get $value))
            ;; A value that is no word id has no unigram (JavaScript reads undefined there): no token.
            (local.set $value
              (if (result i32) (i32.lt_u (local.get $value) (global.get $words))
                (then (i32.load (i32.add (global.get $unigramOfWord) (i32.shl (local.get $value) (i32.const 2)))))
                (else (i32.const -9))))
            (local.set $tokens (i32.add (local.get $tokens) (i32.ge_s (local.get $value) (i32.const -1))))
            (local.set $isKnown (i32.ge_s (local.get $value) (i32.const 0)))
            (local.set $known (i32.add (local.get $known) (local.get $isKnown)))
            (i32.store (i32.add (global.get $entryOf) (i32.shl (local.get $features) (i32.const 2))) (local.get $value))
            (local.set $features (i32.add (local.get $features) (local.get $isKnown)))
            (br $word)))))
    ;; Pass 3: the features' counts, with every feature known beforehand, so that the counters' loads
    ;; too need not wait on one another. (i32.shl takes its count modulo 32: no masks.)
    (local.set $k (i32.const 0))
    (block $tallied
      (loop $tally
        (br_if $tallied (i32.ge_u (local.get $k) (local.get $features)))
        (local.set $value (i32.load (i32.add (global.get $entryOf) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (local.set $word (i32.shr_u (local.get $value) (i32.const 5)))
        (local.set $at (i32.add (global.get $perFeature) (i32.shl (local.get $value) (i32.const 2))))
        (local.set $seen (i32.load (local.get $at)))
        (i32.store (local.get $at) (i32.add (local.get $seen) (i32.const 1)))
        (local.set $at (i32.add (global.get $touched) (i32.shl (local.get $word) (i32.const 2))))
        (i32.store (local.get $at) (i32.or (i32.load (local.get $at)) (i32.shl (i32.const 1) (local.get $value))))
        (local.set $at (i32.add (global.get $touchedWords) (i32.shl (i32.shr_u (local.get $word) (i32.const 5)) (i32.const 2))))
        (i32.store (local.get $at) (i32.or (i32.load (local.get $at)) (i32.shl (i32.const 1) (local.get $word))))
        (local.set $distinct (i32.add (local.get $distinct) (i32.eqz (local.get $seen))))
        (br $tally)))
    (i32.store offset=1441792 (i32.const 0) (local.get $tokens))
    (i32.store offset=1441796 (i32.const 0) (local.get $known))
    (local.get $distinct))
  ;; build(bytes, ranges, values, count, slots, mask, entries) fills the vocabulary's table and entries
  ;; from the graph's LabelEncoder keys (UTF-8 at `bytes`, [start, end] pairs at `ranges`) and values
  ;; (i32 at `values`) exactly as the Vocabulary constructor does in JavaScript, in the graph's order:
  ;; a key that is not valid UTF-8 or longer than 65535 units is left out (no text becomes it). It
  ;; returns the entries' length in units. The inputs sit in the scan's regions, unused at this time.
  (func (export "build") (param $bytes i32) (param $ranges i32) (param $values i32) (param $count i32)
        (param $slots i32) (param $mask i32) (param $entries i32) (result i32)
    (local $k i32) (local $i i32) (local $end i32) (local $b i32) (local $c i32) (local $extra i32) (local $j i32)
    (local $cp i32) (local $o i32) (local $p i32) (local $h i32) (local $slot i32) (local $value i32) (local $at i32)
    (block $done
      (loop $key
        (br_if $done (i32.ge_u (local.get $k) (local.get $count)))
        (local.set $at (i32.add (local.get $ranges) (i32.shl (local.get $k) (i32.const 3))))
        (local.set $i (i32.load (local.get $at)))
        (local.set $end (i32.load offset=4 (local.get $at)))
        (local.set $value (i32.load (i32.add (local.get $values) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        ;; The key's units go after its 3 header units; h hashes them as they are written.
        (local.set $o (i32.add (local.get $p) (i32.const 3)))
        (block $invalid
          (block $decoded
            (loop $byte
              (br_if $decoded (i32.ge_u (local.get $i) (local.get $end)))
              (local.set $b (i32.load8_u (i32.add (local.get $bytes) (local.get $i))))
              (local.set $cp (local.get $b))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (if (i32.ge_u (local.get $b) (i32.const 0x80))
                (then
                  ;; A lead byte of 2, 3 or 4 bytes (C0, C1, F5-FF and continuation bytes are invalid).
                  (local.set $extra
                    (if (result i32) (i32.and (i32.ge_u (local.get $b) (i32.const 0xc2)) (i32.lt_u (local.get $b) (i32.const 0xe0)))
                      (then (i32.const 1))
                      (else (if (result i32) (i32.and (i32.ge_u (local.get $b) (i32.const 0xe0)) (i32.lt_u (local.get $b) (i32.const 0xf0)))
                        (then (i32.const 2))
                        (else (if (result i32) (i32.and (i32.ge_u (local.get $b) (i32.const 0xf0)) (i32.lt_u (local.get $b) (i32.const 0xf5)))
                          (then (i32.const 3))
                          (else (i32.const 0))))))))
                  (br_if $invalid (i32.eqz (local.get $extra)))
                  (br_if $invalid (i32.gt_u (i32.add (local.get $i) (local.get $extra)) (local.get $end)))
                  (local.set $cp (i32.and (local.get $b) (i32.shr_u (i32.const 0x3f) (local.get $extra))))
                  (local.set $j (i32.const 0))
                  (loop $continuation
                    (local.set $c (i32.load8_u (i32.add (local.get $bytes) (local.get $i))))
                    (br_if $invalid (i32.ne (i32.and (local.get $c) (i32.const 0xc0)) (i32.const 0x80)))
                    (local.set $cp (i32.or (i32.shl (local.get $cp) (i32.const 6)) (i32.and (local.get $c) (i32.const 0x3f))))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br_if $continuation (i32.lt_u (local.get $j) (local.get $extra))))
                  ;; Overlong forms, surrogates and code points past U+10FFFF.
                  (br_if $invalid (i32.lt_u (local.get $cp)
                    (select (i32.const 0x80) (select (i32.const 0x800) (i32.const 0x10000) (i32.eq (local.get $extra) (i32.const 2)))
                            (i32.eq (local.get $extra) (i32.const 1)))))
                  (br_if $invalid (i32.gt_u (local.get $cp) (i32.const 0x10ffff)))
                  (br_if $invalid (i32.eq (i32.and (local.get $cp) (i32.const 0xfffff800)) (i32.const 0xd800)))
                  (if (i32.gt_u (local.get $cp) (i32.const 0xffff))
                    (then
                      ;; Two units: the high surrogate here, the low one below.
                      (local.set $cp (i32.sub (local.get $cp) (i32.const 0x10000)))
                      (local.set $c (i32.add (i32.const 0xd800) (i32.shr_u (local.get $cp) (i32.const 10))))
                      (i32.store16 (i32.add (local.get $entries) (i32.shl (local.get $o) (i32.const 1))) (local.get $c))
                      (local.set $o (i32.add (local.get $o) (i32.const 1)))
                      (local.set $cp (i32.add (i32.const 0xdc00) (i32.and (local.get $cp) (i32.const 0x3ff))))))))
              (i32.store16 (i32.add (local.get $entries) (i32.shl (local.get $o) (i32.const 1))) (local.get $cp))
              (local.set $o (i32.add (local.get $o) (i32.const 1)))
              (br $byte)))
          (br_if $invalid (i32.gt_u (i32.sub (i32.sub (local.get $o) (local.get $p)) (i32.const 3)) (i32.const 0xffff)))
          ;; The header, then the slot: linear probing from the finished hash to a free slot.
          (local.set $at (i32.add (local.get $entries) (i32.shl (local.get $p) (i32.const 1))))
          (i32.store16 (local.get $at) (i32.sub (i32.sub (local.get $o) (local.get $p)) (i32.const 3)))
          (i32.store16 offset=2 (local.get $at) (local.get $value))
          (i32.store16 offset=4 (local.get $at) (i32.shr_u (local.get $value) (i32.const 16)))
          (local.set $h (call $hash (i32.add (local.get $entries) (i32.shl (i32.add (local.get $p) (i32.const 3)) (i32.const 1)))
                                    (i32.sub (i32.sub (local.get $o) (local.get $p)) (i32.const 3))))
          (local.set $slot (i32.and (local.get $h) (local.get $mask)))
          (block $free
            (loop $probe
              (br_if $free (i32.eqz (i32.load offset=4 (i32.add (local.get $slots) (i32.shl (local.get $slot) (i32.const 3))))))
              (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (local.get $mask)))
              (br $probe)))
          (local.set $at (i32.add (local.get $slots) (i32.shl (local.get $slot) (i32.const 3))))
          (i32.store (local.get $at) (local.get $h))
          (i32.store offset=4 (local.get $at) (i32.add (local.get $p) (i32.const 1)))
          (local.set $p (local.get $o)))
        (br $key)))
    (local.get $p))
)
