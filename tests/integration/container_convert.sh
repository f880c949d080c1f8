#!/usr/bin/env bash
# The image converts a text file (ASCII, CJK and Korean lines) from the local S3 server into a PDF in the
# destination bucket, read-only, as the non-root user.
source "$(dirname "$0")/container_lib.sh"
src=$(new_bucket src); dst=$(new_bucket dst)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
printf 'Hello from the container\nline two\n日本語のテキスト 中文\n한국어 텍스트\n' >"$work/in.txt"
aws_s3api put-object --bucket "$src" --key "dir/hello world.txt" --body "$work/in.txt" >/dev/null

code=0
run_job -e SOURCE_BUCKET="$src" -e OBJECT_KEY="dir/hello world.txt" -e DEST_BUCKET="$dst" \
  2>"$work/stderr" || code=$?
cat "$work/stderr" >&2
expect_code 0 "$code" "convert"
# Logs stay one JSON object per line: nothing in the image (fontconfig's stale-cache complaint on
# a read-only root, say) may write anything else to stderr.
/usr/bin/python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]' \
  "$work/stderr" || fail "stderr has lines that are not JSON"

aws_s3api get-object --bucket "$dst" --key "dir/hello world.pdf" "$work/out.pdf" >/dev/null \
  || fail "no dir/hello world.pdf in $dst"
pdfinfo "$work/out.pdf" >/dev/null || fail "pdfinfo rejects the PDF"
qpdf --check "$work/out.pdf" >/dev/null || fail "qpdf --check rejects the PDF"
text=$(pdftotext -enc UTF-8 "$work/out.pdf" -)
grep -q "Hello from the container" <<<"$text" || fail "PDF text lacks the first line: $text"
# The CJK and Korean lines need the image's fallback fonts (a missing glyph would come out as
# U+FFFD, not as the text).
grep -q "日本語" <<<"$text" || fail "PDF text lacks the CJK line: $text"
grep -q "한국어 텍스트" <<<"$text" || fail "PDF text lacks the Korean line: $text"
fonts=$(pdffonts "$work/out.pdf")
grep -qi "droid" <<<"$fonts" || fail "the CJK fallback font is not embedded: $fonts"
grep -qi "nanum" <<<"$fonts" || fail "the Hangul fallback font is not embedded: $fonts"
pass "PDF converted, checked and fonts embedded"
