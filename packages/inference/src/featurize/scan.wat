;; The featurizer's character scan (tokenScanner.ts says why it is WebAssembly, and holds the layout).
;;
;; scan(length, minRun) reads `length` UTF-16 code units of text at CODE, maps each through the
;; character table at TABLE (0: a separator; 0xFFFF: a character JavaScript must handle; else the
;; lowercased code unit), and for every maximal run of kept characters of at least `minRun` units
;; writes its lowercased units at UNITS and a record [start in UNITS, length, FNV-1a hash finished as
;; vocabulary.ts finishes it] at RECORDS. It returns the number of records, or -1 at the first
;; character the table cannot give (the text is then scanned by JavaScript instead).
;; The hash must stay vocabulary.ts's: FNV-1a over the units (h = (h ^ unit) * 16777619 from
;; 2166136261), then h ^ (h >>> 15).
(module
  ;; CODE 0 (131072 units), TABLE 262144 (65536 entries), UNITS 393216 (131072 units),
  ;; RECORDS 655360 (65536 records of 3 x i32): 1441792 bytes, 22 pages.
  (memory (export "memory") 22)
  (func (export "scan") (param $length i32) (param $minRun i32) (result i32)
    (local $i i32) (local $c i32) (local $h i32) (local $u i32) (local $start i32) (local $n i32)
    (block $done
      (loop $text
        (br_if $done (i32.ge_u (local.get $i) (local.get $length)))
        ;; c = TABLE[CODE[i]]
        (local.set $c (i32.load16_u offset=262144 (i32.shl (i32.load16_u (i32.shl (local.get $i) (i32.const 1))) (i32.const 1))))
        (if (i32.eqz (local.get $c))
          (then (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $text)))
        (if (i32.eq (local.get $c) (i32.const 0xffff)) (then (return (i32.const -1))))
        ;; A run of kept characters starts at i.
        (local.set $h (i32.const 0x811c9dc5))
        (local.set $start (local.get $u))
        (block $runEnd
          (loop $run
            (i32.store16 offset=393216 (i32.shl (local.get $u) (i32.const 1)) (local.get $c))
            (local.set $u (i32.add (local.get $u) (i32.const 1)))
            (local.set $h (i32.mul (i32.xor (local.get $h) (local.get $c)) (i32.const 0x01000193)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $runEnd (i32.ge_u (local.get $i) (local.get $length)))
            (local.set $c (i32.load16_u offset=262144 (i32.shl (i32.load16_u (i32.shl (local.get $i) (i32.const 1))) (i32.const 1))))
            (br_if $runEnd (i32.eqz (local.get $c)))
            (if (i32.eq (local.get $c) (i32.const 0xffff)) (then (return (i32.const -1))))
            (br $run)))
        (if (i32.ge_u (i32.sub (local.get $u) (local.get $start)) (local.get $minRun))
          (then
            (i32.store offset=655360 (i32.mul (local.get $n) (i32.const 12)) (local.get $start))
            (i32.store offset=655364 (i32.mul (local.get $n) (i32.const 12)) (i32.sub (local.get $u) (local.get $start)))
            (i32.store offset=655368 (i32.mul (local.get $n) (i32.const 12))
              (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 15))))
            (local.set $n (i32.add (local.get $n) (i32.const 1))))
          ;; Too short to be a token: its units are overwritten by the next run.
          (else (local.set $u (local.get $start))))
        (br $text)))
    (local.get $n)))
