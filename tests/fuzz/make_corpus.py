#!/usr/bin/env python3
# Writes the seed corpus of fuzz_yz_call (tests/fuzz/corpus/): a valid request sequence for every
# infno (9001 9002 1101 2401 2301 2302 2303 2304 2305 2601 5203), people of every region, and broken
# requests. Requests of one input are separated by "\n----\n"; {msgid}, {prev_msgid}, {mdtrt_id} and
# {setl_id} are filled in by the target (fuzz_yz_call.cpp).  usage: tests/fuzz/make_corpus.py tests/fuzz/corpus
import os, sys
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
SEP = "\n----\n"
H = "H62070200001"

def env(infno, data, insuplc="620702", msgid="{msgid}", extra=""):
    ins = f"<insuplc_admdvs>{insuplc}</insuplc_admdvs>" if insuplc else ""
    return (f"<request><infno>{infno}</infno><msgid>{msgid}</msgid><mdtrtarea_admvs>620702</mdtrtarea_admvs>{ins}"
            f"<recer_sys_code>YZ</recer_sys_code><infver>V1.0</infver><opter_type>1</opter_type><opter>C001</opter>"
            f"<opter_name>收费员甲</opter_name><inf_time>2023-10-20 10:00:00</inf_time><fixmedins_code>{H}</fixmedins_code>"
            f"<fixmedins_name>示例县人民医院</fixmedins_name><sign_no></sign_no>{extra}<input><data>{data}</data></input></request>")

def line(sn, amt, lv="01", extra=""):
    return (f"<feedetail><feedetl_sn>{sn}</feedetl_sn><med_list_codg>X{sn}</med_list_codg><medins_list_codg>H{sn}</medins_list_codg>"
            f"<chrgitm_lv>{lv}</chrgitm_lv><det_item_fee_sumamt>{amt}</det_item_fee_sumamt>{extra}<fee_ocur_time>2023-10-02 09:00:00</fee_ocur_time></feedetail>")

LINES = (line(1, "30000.00") + line(2, "2000.00", "02", "<selfpay_prop>0.1000</selfpay_prop>") +
         line(3, "500.00", "03") +
         line(4, "1200.00", "01", "<cnt>2.0000</cnt><pric>600.00</pric><pric_uplmt_amt>500.00</pric_uplmt_amt>") +
         line(5, "300.50", "02", "<cnt>1.5000</cnt><pric>200.33</pric><selfpay_prop>0.2000</selfpay_prop>"))
TOTAL = "34000.50"

def admit(psn, extra="", insuplc="620702", med="21", begn="2023-10-01"):
    return env("2401", f"<psn_no>{psn}</psn_no><insutype>390</insutype><med_type>{med}</med_type><begntime>{begn}</begntime>"
                       f"<adm_diag_code>J18.900</adm_diag_code>{extra}", insuplc)
def upload(lines=LINES, insuplc="620702"):
    return env("2301", "<mdtrt_id>{mdtrt_id}</mdtrt_id>" + lines, insuplc)
def settle_data(psn, total=TOTAL, diag="J18.900", med="21", end="2023-10-20", extra=""):
    return (f"<psn_no>{psn}</psn_no><mdtrt_id>{{mdtrt_id}}</mdtrt_id><insutype>390</insutype><med_type>{med}</med_type>"
            f"<begndate>2023-10-01</begndate><enddate>{end}</enddate><dscg_maindiag_code>{diag}</dscg_maindiag_code>"
            f"<diseinfo><diag_code>I10.x00</diag_code></diseinfo><medfee_sumamt>{total}</medfee_sumamt>{extra}")

seeds = {}
P = "P620702-DB12-01"
seeds["9001-signin"] = env("9001", "<opter_no>C001</opter_no><mac>00:11:22:33:44:55</mac><ip>10.0.0.8</ip>")
seeds["9002-signout"] = env("9001", "") + SEP + env("9002", "<sign_no>SN0000000001</sign_no>")
seeds["9002-without-signin"] = env("9002", "")
seeds["1101-person"] = env("1101", f"<psn_no>{P}</psn_no><year>2023</year>")
seeds["1101-accum-held"] = env("1101", "<psn_no>P620702-DB34-02</psn_no>", "")
seeds["1101-unknown"] = env("1101", "<psn_no>NOBODY</psn_no>")
seeds["2401-admit"] = admit(P)
seeds["2401-admit-own-id"] = admit("P620702-TK-01", "<mdtrt_id>FUZZ-STAY-1</mdtrt_id><yz_refl_flag>1</yz_refl_flag><yz_primary_first>1</yz_primary_first>")
seeds["2401-pengshui-deposit"] = admit("P500243-TK-01", "<yz_refl_flag>1</yz_refl_flag><yz_primary_first>1</yz_primary_first>", "500243")
seeds["2301-upload"] = admit(P) + SEP + upload()
seeds["2302-cancel"] = (admit(P) + SEP + upload() + SEP +
                        env("2302", "<mdtrt_id>{mdtrt_id}</mdtrt_id><feedetl_sn>2</feedetl_sn><feedetl_sn>4</feedetl_sn>") + SEP +
                        env("2302", "<mdtrt_id>{mdtrt_id}</mdtrt_id>"))
seeds["2303-presettle"] = admit(P) + SEP + upload() + SEP + env("2303", settle_data(P))
seeds["2303-inline-lines"] = admit(P) + SEP + env("2303", settle_data(P) + LINES)
seeds["2304-settle"] = admit(P) + SEP + upload() + SEP + env("2303", settle_data(P)) + SEP + env("2304", settle_data(P))
seeds["2304-repeat-msgid"] = (admit(P) + SEP + upload() + SEP + env("2304", settle_data(P), msgid="FZSAME0001") + SEP +
                              env("2304", settle_data(P), msgid="FZSAME0001") + SEP + env("2304", settle_data(P)))
seeds["2305-reverse"] = (admit(P) + SEP + upload() + SEP + env("2304", settle_data(P)) + SEP +
                         env("2305", "<setl_id>{setl_id}</setl_id><mdtrt_id>{mdtrt_id}</mdtrt_id><psn_no>" + P + "</psn_no>") + SEP +
                         env("5203", "<mdtrt_id>{mdtrt_id}</mdtrt_id>") + SEP +
                         env("2305", "<setl_id>{setl_id}</setl_id>") + SEP + env("2304", settle_data(P)))
seeds["2601-cancel-settlement"] = (admit(P) + SEP + upload() + SEP + env("2304", settle_data(P)) + SEP +
                                   env("2601", "<psn_no>" + P + "</psn_no><omsgid>{prev_msgid}</omsgid><oinfno>2304</oinfno>") + SEP +
                                   env("5203", "<mdtrt_id>{mdtrt_id}</mdtrt_id>"))
seeds["2601-unknown-msgid"] = env("2601", "<omsgid>FZNEVER0001</omsgid><oinfno>2301</oinfno>")
seeds["5203-query"] = (admit(P) + SEP + upload() + SEP + env("2304", settle_data(P)) + SEP +
                       env("5203", "<setl_id>{setl_id}</setl_id>") + SEP + env("5203", "<mdtrt_id>{mdtrt_id}</mdtrt_id><psn_no>" + P + "</psn_no>"))
seeds["5203-none"] = env("5203", "<setl_id>SETL9999999999</setl_id>")
# Every region's people, settled at the demo hospital (out of county / province).
for psn, ins, diag in [("P500243-TK-01", "500243", "C34.900"), ("P140900-FPZP-01", "140900", "I63.900"),
                       ("P330900-DB-01", "330900", "N18.500"), ("P622922-YFP-01", "622922", "K35.800"),
                       ("P620702-TK-01", "620702", "C16.900"), ("P620702-FPZP-01", "620702", "I21.900"),
                       ("P500243-CJ-01", "500243", "F20.900"), ("P330900-MENTAL-01", "330900", "F20.000"),
                       ("P620702-EXP-01", "620702", "J18.900"), ("P620700-DB12-01", "620700", "J44.900")]:
    big = line(1, "180000.00") + line(2, "20000.00", "03") + line(3, "9000.00", "02", "<selfpay_prop>0.1000</selfpay_prop>")
    seeds[f"2304-{psn}"] = (admit(psn, "<yz_refl_flag>1</yz_refl_flag>", ins) + SEP + upload(big, ins) + SEP +
                            env("2303", settle_data(psn, "209000.00", diag), ins) + SEP +
                            env("2304", settle_data(psn, "209000.00", diag), ins))
seeds["2304-outpatient-14"] = (admit(P, med="14") + SEP + upload(line(1, "800.00")) + SEP +
                               env("2304", settle_data(P, "800.00", "I10.x00", med="14")))
seeds["2304-two-stays-year"] = (admit(P) + SEP + upload() + SEP + env("2304", settle_data(P)) + SEP +
                                admit(P, begn="2023-11-01") + SEP + upload(line(1, "90000.00")) + SEP +
                                env("2304", settle_data(P, "90000.00", end="2023-11-20")))
# Broken ones.
seeds["bad-truncated"] = env("2303", settle_data(P))[:180]
seeds["bad-doctype"] = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><request><infno>1101</infno><msgid>&e;</msgid></request>'
seeds["bad-billion-laughs"] = '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><request>&b;</request>'
seeds["bad-no-msgid"] = "<request><infno>1101</infno></request>"
seeds["bad-infno"] = env("9999", "")
seeds["bad-msgid-chars"] = env("1101", f"<psn_no>{P}</psn_no>", msgid="bad id!")
seeds["bad-hospital"] = env("1101", f"<psn_no>{P}</psn_no>").replace(H + "</fixmedins_code>", "H99999999999</fixmedins_code>")
seeds["bad-amount"] = admit(P) + SEP + upload(line(1, "1e5") + line(2, "-3.00") + line(3, "12.345"))
seeds["bad-amount-huge"] = admit(P) + SEP + env("2303", settle_data(P, "99999999999.99") + line(1, "9999999999.99") + line(2, "9999999999.99"))
seeds["bad-date"] = admit(P, begn="2023-02-30") + SEP + admit(P, begn="20231001")
seeds["bad-range"] = admit(P) + SEP + upload() + SEP + env("2303", settle_data(P, end="2023-09-01"))
seeds["bad-sumamt"] = admit(P) + SEP + upload() + SEP + env("2303", settle_data(P, "1.00"))
seeds["bad-dup-line"] = admit(P) + SEP + upload(line(1, "1.00") + line(1, "2.00"))
seeds["bad-empty-stay"] = admit(P) + SEP + env("2303", settle_data(P, "0.00"))
seeds["bad-psn-mismatch"] = admit(P) + SEP + upload() + SEP + env("2303", settle_data("P620702-TK-01"))
seeds["bad-insuplc"] = admit(P) + SEP + upload() + SEP + env("2303", settle_data(P), "500243")
seeds["bad-ratio-cnt"] = admit(P) + SEP + upload(line(1, "10.00", "02", "<selfpay_prop>1.5</selfpay_prop>") + line(2, "10.00", "01", "<cnt>-1</cnt><pric>5.00</pric>"))
seeds["bad-codes"] = admit(P, med="99") + SEP + admit(P, "<yz_refl_flag>2</yz_refl_flag>") + SEP + upload(line(1, "1.00", "04"))
seeds["bad-deep"] = "<request>" + "<a>" * 40 + "</a>" * 40 + "</request>"

seeds["bad-ctrl"] = env("1101", "<psn_no>P\x01\x02</psn_no>")
seeds["bad-charref"] = env("1101", "<psn_no>&#x0;&#xD800;&#1114112;&amp;&lt;</psn_no>")
seeds["bad-cdata-pi"] = "<?xml version='1.0' encoding='GBK'?><?pi x?><request><infno><![CDATA[1101]]></infno><msgid>FZ1</msgid><!-- c --><input><data><psn_no>" + P + "</psn_no></data></input></request>"
seeds["bad-two-roots"] = "<request/><request/>"
seeds["bad-value-with-element"] = env("1101", f"<psn_no>{P}<x/></psn_no>")
seeds["bad-unknown-stay"] = env("2301", "<mdtrt_id>NOPE</mdtrt_id>" + line(1, "1.00")) + SEP + env("2305", "<setl_id>S-NONE</setl_id>")
seeds["bad-settled-twice"] = admit(P) + SEP + upload() + SEP + env("2304", settle_data(P)) + SEP + env("2304", settle_data(P)) + SEP + upload(line(9, "1.00")) + SEP + env("2302", "<mdtrt_id>{mdtrt_id}</mdtrt_id>")
seeds["bad-fee-unknown"] = admit(P) + SEP + upload() + SEP + env("2302", "<mdtrt_id>{mdtrt_id}</mdtrt_id><feedetl_sn>77</feedetl_sn>")
seeds["bad-empty"] = ""
seeds["bad-attrs"] = '<request infno="1101"><infno a="b">1101</infno><msgid>FZ2</msgid><input><data><psn_no>' + P + '</psn_no><psn_no>X</psn_no></data></input></request>'
for name, text in seeds.items():
    if text is None: continue
    data = text.encode("utf-8") if isinstance(text, str) else text
    open(os.path.join(out, name + ".xml"), "wb").write(data)
open(os.path.join(out, "bad-utf8.xml"), "wb").write(env("1101", "<psn_no>PXX</psn_no>").encode().replace(b"PXX", b"P\xff\xfe\xc0\xaf\xed\xa0\x80"))
open(os.path.join(out, "bad-nul.xml"), "wb").write(env("1101", f"<psn_no>{P}</psn_no>").encode().replace(b"</psn_no>", b"\x00</psn_no>", 1))
open(os.path.join(out, "bad-bom-crlf.xml"), "wb").write(b"\xef\xbb\xbf" + env("1101", f"<psn_no>{P}</psn_no>").encode().replace(b"><", b">\r\n<"))
print(f"{len(os.listdir(out))} seed inputs in {out}")
