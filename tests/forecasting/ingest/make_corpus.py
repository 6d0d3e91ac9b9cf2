"""Write the ingest test corpus (bad and odd CSV files) deterministically.

Usage:  python tests/forecasting/ingest/make_corpus.py [OUT_DIR]     (default: tests/forecasting/ingest/corpus)

Every file gets an entry in ``expected.json``:

    {"ok": bool, "kind": "sales"|"features"|"stores"|null,
     "rows": int (if ok), "error_contains": str (substring of the first error's reason),
     optional: "args": {"kind": ..., "weekday": ...}   -> extra parse_upload arguments,
               "limits": {...}                         -> ParseLimits overrides,
               "warning_contains": str, "error_line": int|null (first error's line),
               "error_column": str, "error_count": int, "stats": {...subset of res.stats},
               "note": str}

The generated files are committed; tests check that this script reproduces them.
"""
from __future__ import annotations

import codecs
import gzip
import json
import sys
from pathlib import Path

SALES_HDR = "Store,Dept,Date,Weekly_Sales,IsHoliday"
SALES_ROWS = [
    "1,1,2010-02-05,24924.5,FALSE",
    "1,1,2010-02-12,46039.49,TRUE",
    "1,1,2010-02-19,41595.55,FALSE",
    "1,2,2010-02-05,50605.27,FALSE",
    "1,2,2010-02-12,44682.74,TRUE",
    "2,1,2010-02-05,35034.06,FALSE",
]
FEAT_HDR = ("Store,Date,Temperature,Fuel_Price,MarkDown1,MarkDown2,MarkDown3,MarkDown4,"
            "MarkDown5,CPI,Unemployment,IsHoliday")
FEAT_ROWS = [
    "1,2010-02-05,42.31,2.572,NA,NA,NA,NA,NA,211.0963582,8.106,FALSE",
    "1,2010-02-12,38.51,2.548,NA,NA,NA,NA,NA,211.2421698,8.106,TRUE",
    "1,2011-11-11,59.11,3.297,10382.9,6115.67,215.07,2406.62,6551.42,217.9984,7.866,FALSE",
    "1,2013-05-03,66.66,3.386,2298.63,2,129.9,55.46,1301.04,NA,NA,FALSE",
]
STORES_HDR = "Store,Type,Size"
STORES_ROWS = ["1,A,151315", "2,A,202307", "3,B,37392"]


def lines(*rows: str, end: str = "\n", final: bool = True) -> bytes:
    text = end.join(rows) + (end if final else "")
    return text.encode("utf-8")


def sales(*rows: str, hdr: str = SALES_HDR, **kw) -> bytes:
    return lines(hdr, *(rows or SALES_ROWS), **kw)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def build() -> dict[str, tuple[bytes, dict]]:
    c: dict[str, tuple[bytes, dict]] = {}

    def add(name: str, data: bytes, **exp):
        assert name not in c, name
        c[name] = (data, exp)

    n_sales = len(SALES_ROWS)
    # ------------------------------------------------------------------ accepted (odd but OK)
    add("ok_sales_basic.csv", sales(), ok=True, kind="sales", rows=n_sales,
        stats={"weeks": 3, "stores": 2, "depts": 2, "holiday_weeks": 1})
    add("ok_sales_crlf.csv", sales(end="\r\n"), ok=True, kind="sales", rows=n_sales)
    add("ok_sales_cr_only.csv", sales(end="\r"), ok=True, kind="sales", rows=n_sales)
    add("ok_sales_no_final_newline.csv", sales(final=False), ok=True, kind="sales", rows=n_sales)
    add("ok_stores_walmart_cr.csv", lines(STORES_HDR, *STORES_ROWS, end="\r", final=False),
        ok=True, kind="stores", rows=3, stats={"types": {"A": 2, "B": 1}},
        note="like the real stores.csv: bare CR line endings, no final newline")
    add("ok_sales_bom.csv", codecs.BOM_UTF8 + sales(), ok=True, kind="sales", rows=n_sales,
        stats={"encoding": "utf-8-sig"})
    add("ok_sales_utf16le_bom.csv", codecs.BOM_UTF16_LE + sales(end="\r\n").decode().encode("utf-16-le"),
        ok=True, kind="sales", rows=n_sales, stats={"encoding": "utf-16"},
        note="UTF-16 with a BOM (Excel 'Unicode text' style) is accepted and transcoded")
    add("ok_sales_utf16be_bom.csv", codecs.BOM_UTF16_BE + sales().decode().encode("utf-16-be"),
        ok=True, kind="sales", rows=n_sales, stats={"encoding": "utf-16"})
    add("ok_sales_quoted_fields.csv",
        lines('"Store","Dept","Date","Weekly_Sales","IsHoliday"',
              *(",".join(f'"{v}"' for v in r.split(",")) for r in SALES_ROWS)),
        ok=True, kind="sales", rows=n_sales)
    add("ok_stores_quoted_names.csv",
        lines("Store,Type,Size,Name",
              '1,A,151315,"Springfield, North"',
              '2,A,202307,"The ""Big"" One"',
              '3,B,37392,"Multi\nline name"',
              "4,C,39690,Plain"),
        ok=True, kind="stores", rows=4)
    add("ok_sales_generic_names.csv",
        sales("1,1,2010-02-05,10,0", "1,1,2010-02-12,12,1", "2,5,2010-02-05,7,0",
              hdr="store_id,department,week_ending,units,holiday"),
        ok=True, kind="sales", rows=3)
    add("ok_sales_mixed_case_header.csv",
        sales(hdr=" STORE , dept ,DATE,weekly_SALES, isHoliday "), ok=True, kind="sales",
        rows=n_sales)
    add("ok_sales_extra_columns.csv",
        sales("1,1,2010-02-05,100,FALSE,north,x", "1,1,2010-02-12,200,TRUE,north,y",
              hdr=SALES_HDR + ",Region,Notes"),
        ok=True, kind="sales", rows=2, warning_contains="ignored unknown column(s): 'Region', 'Notes'")
    add("ok_sales_negative_zero.csv",
        sales("1,1,2010-02-05,-863,FALSE", "1,1,2010-02-12,0,TRUE", "1,1,2010-02-19,-0.01,FALSE",
              "1,1,2010-02-26,0.0,FALSE", "1,1,2010-03-05,15.5,FALSE"),
        ok=True, kind="sales", rows=5, stats={"negative_sales": 2, "zero_sales": 2},
        note="negative (returns) and zero sales are valid")
    add("ok_features_na.csv", lines(FEAT_HDR, *FEAT_ROWS), ok=True, kind="features", rows=4,
        stats={"missing": {"temperature": 0, "fuel_price": 0, "markdown1": 2, "markdown2": 2,
                           "markdown3": 2, "markdown4": 2, "markdown5": 2, "cpi": 1,
                           "unemployment": 1}})
    add("ok_sales_whitespace_values.csv",
        sales(" 1 , 1 ,2010-02-05 , 100.5 , FALSE", "\t1,\t1,\t2010-02-12\t,200\t,TRUE "),
        ok=True, kind="sales", rows=2)
    add("ok_sales_bool_variants.csv",
        sales("1,1,2010-02-05,1,yes", "1,1,2010-02-12,1,No", "1,1,2010-02-19,1,1",
              "1,1,2010-02-26,1,0", "1,1,2010-03-05,1,t", "1,1,2010-03-12,1,F",
              "1,1,2010-03-19,1,True", "1,1,2010-03-26,1,"),
        ok=True, kind="sales", rows=8, stats={"holiday_weeks": 4},
        note="empty holiday value means false")
    add("ok_sales_blank_lines.csv",
        lines(SALES_HDR, SALES_ROWS[0], "", SALES_ROWS[1], "   ", "\t", SALES_ROWS[2], "", ""),
        ok=True, kind="sales", rows=3, warning_contains="blank line(s) ignored",
        note="blank / whitespace-only lines are skipped with a warning")
    add("ok_sales_gzip.csv.gz", gz(sales()), ok=True, kind="sales", rows=n_sales,
        stats={"compression": "gzip"})
    add("ok_sales_gzip_without_gz_name.csv", gz(sales(end="\r\n")), ok=True, kind="sales",
        rows=n_sales, stats={"compression": "gzip"}, note="gzip detected by magic bytes")
    add("ok_sales_no_holiday_column.csv",
        sales("1,1,2010-02-05,5", "1,1,2010-02-12,6", hdr="Store,Dept,Date,Weekly_Sales"),
        ok=True, kind="sales", rows=2, warning_contains="no holiday column")
    add("ok_sales_integral_float_ids.csv", sales("1.0,2.0,2010-02-05,5,FALSE", "1,2,2010-02-12,6,FALSE"),
        ok=True, kind="sales", rows=2, note="'1.0' is accepted as a whole number")
    add("ok_features_generic_partial.csv",
        lines("store_nbr,week,temp,fuel_price,cpi", "1,2010-02-05,42.3,2.5,", "1,2010-02-12,n/a,2.6,211.2"),
        ok=True, kind="features", rows=2, warning_contains="missing feature column(s)")
    add("ok_stores_generic.csv",
        lines("store_id,store_type,sqft,store_name,lat,lon",
              "1,A,151315,Main St,40.7,-74.0", "2,B,37392,,,"),
        ok=True, kind="stores", rows=2)
    add("ok_sales_explicit_kind.csv", sales(), args={"kind": "sales"}, ok=True, kind="sales",
        rows=n_sales)
    add("ok_sales_tenant_weekday.csv", sales(), args={"weekday": 4}, ok=True, kind="sales",
        rows=n_sales)
    add("ok_sales_sunday_weeks.csv",
        sales("1,1,2010-02-07,5,FALSE", "1,1,2010-02-14,6,TRUE"), ok=True, kind="sales", rows=2,
        note="any weekday is fine as long as all rows share it; result.weekday == 6")
    add("ok_features_real_head.csv", lines(FEAT_HDR, *FEAT_ROWS[:2], end="\n", final=True),
        ok=True, kind="features", rows=2)
    add("ok_sales_trailing_comma_rows.csv",
        sales("1,1,2010-02-05,5,FALSE,", "1,1,2010-02-12,6,TRUE,", hdr=SALES_HDR + ","),
        ok=True, kind="sales", rows=2, warning_contains="empty header",
        note="an unnamed trailing column (Excel) is ignored with a warning")

    # ------------------------------------------------------------------ whole-file errors
    add("bad_empty.csv", b"", ok=False, error_contains="file is empty", error_line=None)
    add("bad_whitespace_only.csv", b"\n \r\n\t\n", ok=False, error_contains="file is empty")
    add("bad_header_only.csv", lines(SALES_HDR), ok=False, kind="sales",
        error_contains="no data rows")
    add("bad_header_only_blank_lines.csv", lines(SALES_HDR, "", ""), ok=False, kind="sales",
        error_contains="no data rows")
    add("bad_utf16_no_bom.csv", sales().decode().encode("utf-16-le"), ok=False,
        error_contains="UTF-16 text without a byte-order mark", error_line=None)
    add("bad_utf32.csv", sales().decode().encode("utf-32"), ok=False,
        error_contains="UTF-32")
    add("bad_latin1.csv", "Store,Type,Size,Name\n1,A,151315,Caf\u00e9 du Nord\n".encode("latin-1"),
        ok=False, error_contains="not valid UTF-8 (byte 0xE9 on line 2)",
        note="Latin-1 / Windows-1252 is rejected (never guessed)")
    add("bad_nul_bytes.csv", sales().replace(b"46039.49", b"4603\x009.49"), ok=False,
        error_contains="binary data (NUL byte on line 3)")
    add("bad_10000_columns.csv",
        lines(",".join(f"c{i}" for i in range(10_000)), ",".join("1" for _ in range(10_000))),
        ok=False, error_contains="too many columns: 10000")
    big = "x" * (1024 * 1024)
    add("bad_1mb_field.csv", lines("Store,Type,Size,Name", f"1,A,151315,{big}", "2,A,1000,ok"),
        ok=False, kind="stores", error_contains="value too long (1,048,576 characters",
        error_line=2, error_column="Name")
    add("bad_200kb_quoted_field.csv",
        lines("Store,Type,Size,Name", '1,A,151315,"' + "y" * 200_000 + '"'),
        ok=False, kind="stores", error_contains="value too long (200,000 characters", error_line=2)
    add("bad_200kb_field_stray_quote.csv",
        lines("Store,Type,Size,Name", '1,A,151315,"' + "y" * 200_000 + '"', '2,A,5,The 12" store'),
        ok=False, error_contains="longer than 10000 characters",
        note="a stray quote forces the exact csv-module path, whose field cap reports this")
    add("ok_stores_stray_quote.csv", lines("Store,Type,Size,Name", '1,A,5,The 12" store',
                                           '2,B,6,"quoted, name"', "3,C,7,x"),
        ok=True, kind="stores", rows=3, note="a quote inside an unquoted field is literal")
    add("bad_gzip_bomb.csv.gz",
        gz(lines(SALES_HDR) + b"1,1,2010-02-05,1,FALSE\n" * 2_000_000 + b"\0" * (4 * 1024 * 1024)),
        limits={"max_decompressed_bytes": 5 * 1024 * 1024}, ok=False,
        error_contains="decompressed size exceeds the limit of 5 MB",
        note="~50 MB when inflated; must stop at the 5 MB cap")
    add("bad_truncated.csv.gz", gz(sales() * 20)[:-30], ok=False,
        error_contains="gzip data is truncated")
    add("bad_corrupt.csv.gz", gz(sales())[:20] + b"garbage!" * 8, ok=False,
        error_contains="gzip data is corrupt")
    add("bad_double_gzip.csv.gz", gz(gz(sales())), ok=False, error_contains="compressed twice")
    add("bad_xlsx_disguised.csv", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, ok=False,
        error_contains="Excel .xlsx")
    add("bad_semicolon.csv",
        lines("Store;Dept;Date;Weekly_Sales;IsHoliday", "1;1;2010-02-05;24924,5;FALSE"),
        ok=False, error_contains="';' as the separator")
    add("bad_tab_separated.csv",
        lines("Store\tDept\tDate\tWeekly_Sales\tIsHoliday", "1\t1\t2010-02-05\t24924.5\tFALSE"),
        ok=False, error_contains="tab-separated")
    add("bad_too_large.csv", sales(), limits={"max_bytes": 100}, ok=False,
        error_contains="larger than the upload limit")
    add("bad_too_many_rows.csv", sales(), limits={"max_rows": 5}, ok=False,
        error_contains="too many rows: 6")
    add("bad_unterminated_quote.csv", lines("Store,Type,Size,Name", '1,A,151315,"never closed',
                                             "2,A,1000,x"),
        ok=False, error_contains="malformed CSV quoting")

    # ------------------------------------------------------------------ header errors
    add("bad_wrong_columns.csv", lines("foo,bar,baz", "1,2,3"), ok=False,
        error_contains="unrecognised file", error_line=1)
    add("bad_kaggle_test_layout.csv",
        lines("Store,Dept,Date,IsHoliday", "1,1,2012-11-02,FALSE"), ok=False,
        error_contains="no sales column")
    add("bad_missing_dept_explicit_kind.csv",
        sales("1,2010-02-05,5,FALSE", hdr="Store,Date,Weekly_Sales,IsHoliday"),
        args={"kind": "sales"}, ok=False, kind="sales",
        error_contains="missing required column 'dept'", error_line=1)
    add("bad_stores_missing_size.csv", lines("Store,Type", "1,A"), ok=False, kind="stores",
        error_contains="missing required column 'size'")
    add("bad_kind_mismatch.csv", lines(FEAT_HDR, *FEAT_ROWS), args={"kind": "sales"}, ok=False,
        kind="sales", error_contains="the header looks like a features file")
    add("bad_ambiguous_columns.csv",
        sales("1,1,2010-02-05,5,6", hdr="Store,Dept,Date,Sales,Weekly_Sales"), ok=False,
        error_contains="both map to 'sales'")

    # ------------------------------------------------------------------ row errors
    add("bad_text_in_number.csv", sales("1,1,2010-02-05,abc,FALSE", "1,1,2010-02-12,5,FALSE"),
        ok=False, kind="sales", error_contains="not a number", error_line=2,
        error_column="Weekly_Sales")
    add("bad_thousands_separator.csv", sales('1,1,2010-02-05,"24,924.50",FALSE'), ok=False,
        kind="sales", error_contains="not a number")
    add("bad_invalid_date.csv", sales("1,1,2012-02-24,5,FALSE", "1,1,2012-02-30,5,FALSE"),
        ok=False, kind="sales", error_contains="invalid date (no such day)", error_line=3)
    add("bad_date_format.csv", sales("1,1,02/05/2010,5,FALSE"), ok=False, kind="sales",
        error_contains="not a date in YYYY-MM-DD format")
    add("bad_date_out_of_range.csv", sales("1,1,1800-01-03,5,FALSE"), ok=False, kind="sales",
        error_contains="date out of range")
    add("bad_wrong_weekday.csv",
        sales("1,1,2010-02-05,5,FALSE", "1,1,2010-02-12,5,FALSE", "1,1,2010-02-17,5,FALSE",
              "1,1,2010-02-26,5,FALSE"),
        ok=False, kind="sales", error_contains="2010-02-17 is a Wednesday but the other dates",
        error_line=4, error_count=1)
    add("bad_weekday_vs_tenant.csv", sales(), args={"weekday": 6}, ok=False, kind="sales",
        error_contains="this account's weeks end on Sundays", error_count=n_sales)
    add("bad_duplicate_keys.csv",
        sales("1,1,2010-02-05,5,FALSE", "1,1,2010-02-12,5,FALSE", "1,2,2010-02-05,5,FALSE",
              "01,1,2010-02-05,7,FALSE"),
        ok=False, kind="sales", error_contains="duplicate row: lines 2 and 5", error_line=5)
    add("bad_duplicate_features.csv", lines(FEAT_HDR, FEAT_ROWS[0], FEAT_ROWS[1], FEAT_ROWS[0]),
        ok=False, kind="features", error_contains="lines 2 and 4 have the same store and date")
    add("bad_duplicate_stores.csv", lines(STORES_HDR, "1,A,100", "2,B,200", "1,C,300"),
        ok=False, kind="stores", error_contains="lines 2 and 4 have the same store")
    add("bad_invalid_boolean.csv", sales("1,1,2010-02-05,5,maybe"), ok=False, kind="sales",
        error_contains="not a valid yes/no value", error_column="IsHoliday")
    add("bad_float_store_id.csv", sales("1.5,1,2010-02-05,5,FALSE"), ok=False, kind="sales",
        error_contains="not a whole number", error_column="Store")
    add("bad_huge_store_number.csv", sales("99999999999999999999,1,2010-02-05,5,FALSE"),
        ok=False, kind="sales", error_contains="number too large")
    add("bad_huge_sales_overflow.csv", sales("1,1,2010-02-05,1e400,FALSE"), ok=False,
        kind="sales", error_contains="number out of range")
    add("bad_negative_store.csv", sales("-1,1,2010-02-05,5,FALSE", "1,-3,2010-02-12,5,FALSE"),
        ok=False, kind="sales", error_contains="must not be negative", error_count=2)
    add("bad_nan_sales.csv", sales("1,1,2010-02-05,NaN,FALSE", "1,1,2010-02-12,NA,FALSE"),
        ok=False, kind="sales", error_contains="missing value ('NaN') is not allowed",
        error_count=2)
    add("bad_inf_sales.csv", sales("1,1,2010-02-05,inf,FALSE", "1,1,2010-02-12,-Infinity,FALSE"),
        ok=False, kind="sales", error_contains="not a finite number", error_count=2)
    add("bad_empty_required.csv", sales("1,,2010-02-05,5,FALSE"), ok=False, kind="sales",
        error_contains="required value is empty", error_column="Dept")
    add("bad_wrong_field_count.csv",
        sales("1,1,2010-02-05,5,FALSE", "1,1,2010-02-12,5,FALSE,extra", "1,1,2010-02-19,5"),
        ok=False, kind="sales", error_contains="wrong number of fields: expected 5, found 6",
        error_line=3, error_count=2)
    add("bad_features_text.csv",
        lines(FEAT_HDR, FEAT_ROWS[0].replace("42.31", "hot"), FEAT_ROWS[1].replace("211.2421698", "inf")),
        ok=False, kind="features", error_contains="not a number", error_column="Temperature",
        error_count=2)
    add("bad_stores_values.csv",
        lines("Store,Type,Size,Latitude,Longitude", "1,A,0,40.7,-74", "2,,1000,95,10",
              "3,B,1000,10,200"),
        ok=False, kind="stores", error_contains="must be at least 1", error_count=4)
    add("bad_line_numbers_after_multiline.csv",
        lines("Store,Type,Size,Name", '1,A,100,"two\nlines"', "", '2,B,200,"x"', "3,C,abc,z"),
        ok=False, kind="stores", error_contains="not a number", error_line=6,
        note="line numbers are physical lines: quoted newline and blank line counted")
    add("bad_line_numbers_blank_lines.csv",
        lines(SALES_HDR, "", SALES_ROWS[0], "", "", "1,1,2010-02-12,x,FALSE"),
        ok=False, kind="sales", error_contains="not a number", error_line=6)
    add("bad_many_errors.csv", sales(*[f"1,{i + 1},2010-02-05,bad{i},FALSE" for i in range(50)]),
        limits={"max_errors_reported": 10}, ok=False, kind="sales", error_count=50,
        error_contains="not a number", note="only max_errors_reported errors are listed")
    return c


def write(out_dir: Path) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    expected = {}
    for name, (data, exp) in sorted(build().items()):
        (out_dir / name).write_bytes(data)
        expected[name] = exp
    (out_dir / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n",
                                           encoding="utf-8")
    return expected


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("corpus")
    exp = write(target)
    print(f"wrote {len(exp)} files to {target}")
