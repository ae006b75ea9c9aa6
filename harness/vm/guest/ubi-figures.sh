# harness/vm/guest/ubi-figures.sh -- read a UBI device's attach figures (guest side, ash).
#
# Source it, then:
#   ubi_figures UBI_NUM [LABEL]   prints one line: FIGURES {"label":..,"peb_count":..,...}
#   ubi_figures_compare JSON_A JSON_B   exit 1 (naming each field) if the geometry fields
#                                        differ; the fields: FF_FIGURE_KEYS
# Sources: /sys/class/ubi/ubiN/, /sys/class/mtd/mtdM/ and the last "ubiN: ..." attach
# messages in dmesg (sub-page size, VID header and data offsets appear only there).
# Must not: attach, detach or write anything; it only reads.

FF_FIGURE_KEYS="peb_count peb_size leb_size min_io max_write subpage vid_hdr_offset data_offset reserved_for_bad mtd_writesize mtd_oobsize mtd_subpagesize mtd_erasesize mtd_size"

_ff_sysval() { cat "$1" 2>/dev/null || echo null; }

ubi_figures() {
    _n=$1 _label=${2:-ubi$1}
    _u=/sys/class/ubi/ubi$_n
    [ -d "$_u" ] || { echo "ubi_figures: no $_u (is ubi$_n attached?)" >&2; return 1; }
    _m=$(cat "$_u/mtd_num")
    _mt=/sys/class/mtd/mtd$_m
    # The last attach report for this ubi number: later attaches overwrite earlier values.
    _d=$(dmesg | sed -n "s/^\[[ 0-9.]*\] *//; s/^ubi$_n: //p" | awk '
        /^PEB size: / { peb = $3; leb = $9 }
        /^min\.\/max\. I\/O unit sizes: / { split($5, a, "/"); minio = a[1]; sub(/,$/, "", a[2]); maxw = a[2]; sp = $8 }
        /^VID header offset: / { vid = $4; dat = $NF }
        /^good PEBs: / { good = $3; sub(/,$/, "", good); bad = $6; sub(/,$/, "", bad) }
        END { printf "%s %s %s %s %s %s %s %s %s\n", peb+0, leb+0, minio+0, maxw+0, sp+0, vid+0, dat+0, good+0, bad+0 }')
    set -- $_d
    printf 'FIGURES {"label":"%s","ubi":%s,"mtd":%s,"mtd_name":"%s","peb_count":%s,"peb_size":%s,"leb_size":%s,"min_io":%s,"max_write":%s,"subpage":%s,"vid_hdr_offset":%s,"data_offset":%s,"good_pebs":%s,"bad_pebs":%s,"reserved_for_bad":%s,"avail_lebs":%s,"mtd_writesize":%s,"mtd_oobsize":%s,"mtd_subpagesize":%s,"mtd_erasesize":%s,"mtd_size":%s}\n' \
        "$_label" "$_n" "$_m" "$(_ff_sysval "$_mt/name")" \
        "$(_ff_sysval "$_u/total_eraseblocks")" "$1" "$(_ff_sysval "$_u/eraseblock_size")" \
        "$(_ff_sysval "$_u/min_io_size")" "$4" "$5" "$6" "$7" "$8" "$9" \
        "$(_ff_sysval "$_u/reserved_for_bad")" "$(_ff_sysval "$_u/avail_eraseblocks")" \
        "$(_ff_sysval "$_mt/writesize")" "$(_ff_sysval "$_mt/oobsize")" \
        "$(_ff_sysval "$_mt/subpagesize")" "$(_ff_sysval "$_mt/erasesize")" "$(_ff_sysval "$_mt/size")"
}

# ubi_figures_get JSON KEY -> the number stored under KEY
ubi_figures_get() {
    printf '%s\n' "$1" | sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p"
}

ubi_figures_compare() {
    _bad=0
    for _k in $FF_FIGURE_KEYS; do
        _a=$(ubi_figures_get "$1" "$_k") _b=$(ubi_figures_get "$2" "$_k")
        if [ "$_a" != "$_b" ]; then
            echo "figures differ: $_k: $_a vs $_b" >&2
            _bad=1
        fi
    done
    return $_bad
}
