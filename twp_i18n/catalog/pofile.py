"""Read and write PO/POT catalogs byte-for-byte as GNU ``msgcat`` 0.21 does.

polib's model (:class:`polib.POFile`, :class:`polib.POEntry`) is kept; the text
format is ours.  :func:`format_po` ports gettext 0.21's ``write-po.c`` (``wrap()``
and the comment/flag printers) on top of a port of libunistring 1.0's
``u8_width_linebreaks_v2`` (UAX #14 breaking, 79 display columns, CJK counting
2).  Catalogs are UTF-8.  :func:`parse_po` refuses whatever ``msgfmt`` cannot
read, and reads the rest as msgfmt does or refuses it as :class:`UnsupportedSyntax`
(a :class:`~twp_i18n.errors.CatalogError`, with file and line, like every refusal).
It is linear in the size of its input and bounded by ``[limits]``.  The catalog it
returns remembers the lines it was read from, so that :func:`format_po` writes the
entries that did not change exactly as they were, whatever tool wrote them.

``_TABLES`` is data dumped from ``libunistring.so.2`` (what msgcat 0.21 uses), so
results do not depend on the running Python's Unicode version: the 33x33 UAX #14
pair table, then per code point range ``line_break_class * 4 + uc_width``
(controls as 0), delta/varint encoded, zlib-compressed, base85.
``tests/test_pofile_write.py`` checks it against the library when present.
"""

from __future__ import annotations

import base64
import bisect
import functools
import itertools
import os
import re
import zlib
from collections.abc import Collection
from pathlib import Path

import polib

from ..config import REFERENCES, LimitsConfig
from ..errors import CatalogError
from ..languages import plural_function
from ..machinery.fsutil import write_if_changed
from .poguard import Key, check_kept

__all__ = ["REFERENCES", "UnsupportedSyntax", "format_po", "parse_po", "project_references",
           "read_po", "write_po"]

PAGE_WIDTH = 79  # msgcat's default --width

_TABLES = """
c-rk*O>A9974H1ppLgH8wx1Ix{%Pza^-J?-CvMXuhNg{M9B^7%AFIDechr}bsuGn@)FO~jtWX6NiGt>}fJCK&Uhu0lULhe-b
%QDdVgUjcP<6qgtXQz1D`3^~opY~UC$ZwRY-8!XnLBgl%=wu)=ghIu{Aci2b}IPz&uoogw5kvkI!Y;qkN@zs1;UnFTtz`&OJ
N<s$QH6@bA*zD7Ao?`Q`aDDNkLtQhfj;}|Nm{!B<o@mW8JtWwcbim)#MEzto^Aic+j7ihtgPU6tv!4)$0gqO9XX82zpZl>FT
X0d>STiOb<6`O<`bDTilqK8~<+cwT5~{UDDrCe(=YtrDheW1vQV~Sv8|}$=4}01o)zw%T8%BEk$E97{%PK8I`LM;Q08G@}m(
}%&P@Ms;dD)tD#6^3?of^b)#9;H8YBKb`?zk{$#qUi6H<G0ZG^LQo<<h_77X-8#eJdr9qQDh4El13EV2$4tQVrgx=(@eZV++
3Jjsu3mEZJx$?}MW@w=w((_}%p0}h!eK968Zy=ENb)IV(I^>7uvUxQJA+hf17OzbfMLb|J6|9`gcwZS+H15Z++mpTye)=%8$
JdxkUKzAk3z~Ldjl!t%P>YX%-49+zyg`q-u7`*wKu?F*r*zN{FDk#gqv*I-9pS!XeA==2;{6lKyv~`2CXZk}>qP^0pkM06km
bE)C3?UD@OMZ%tUX?3JVrr9&ufb2#mJD5dDb1~Di*wtsp@rLET*i3Wg3tJx(W&Q<Q<YZ@F&_+A**QBct5~KTG2X(5$q&*9oZ
l2`dQb)9k>EzXdgJ6OS_Sl5{+$;I3z;(N{LhORi2(0nqs~zT3wweEqxw0)CiWTfSTzTk-6kA?v%E!E%2Ji%M9q2Qtku{lpJ}
}fmWa)<_f$B22;>$5{3k)yvBPpucVM|kSpQ6ML#+u;3h6DQBh!?bI7UJ^?ZO&s@Ptw@eLeH2B#{kv{0L8`PZ~M2x*5aOEGte
*wkVr^Uk(OLyWz67Zn=4qbsVXSCU{CR4-Xc363Gxq16Me9<Y0`X>YjdXM$TpU&}bgR$}2?_iWgWdyf0j)Da+8k!nQ|cxZ{e2
zydi-C=<lI2#7=!P=U{8SKM+l=B^rd>!0Q29;x_7x_ptRp>T~n7^qN+r#bv4W4vQ_$J#+(YGt6H-PzE_|?6b+qtY~xP@;KTZ
?v%KKs;jUwHlrT9C7&*S!(<4^-`*P3HLC&sP2W`Q{LO6^%jnqp;~?7=>Oi@{z^QD2s`y2XX@!k<cIxlL|H3#zz{;u3<!n2IZ
yEx!*g+BCRA4hefF8dJ5_WEdUIqR+OkcCI;Pt8)1*!Vz*-8W|ho6iM=8ybFVK2J`*x_PkfZIv#G8`jDum>)wEbe<6_!+?{Ki
aQ9dXzvVqc0cwJp;-8;U*96%k?GJh#lobeIoeHnUv_?iea-r}Ghk;@#(rH*`Qa3khYxy3QAQ4LxU*Foca?K|SSpj1BIhh??q
qt9bF<SFg%q;RBsZA>0vKU{KPPUd`Z5;_Df>md~<op;#LT0TO2bvhD2po@2uKTSW<rJ*F;aGO>pUV{mY-G!FT-6uGTwxQ*#$
=4k?c@nAI`~b3j1GM?r=ei~_b5_r&S;WU#{?Z3buD-23uEc!Gb6qtBdZ*+HOu<2kZDEJp+@coQ)nx1(5j<1I;2?@%Dt+vo2e
XhM688ZtK%z3B-|vCTH5>%6g4-I0VmP-9Jf!IFM;le)S#=v^yBYO&#i^iovRke^BrW7*&Y4m<z95+Z*6?~;(O`(BjWA}hBCA
&LKDkg}TrDtIwRwe82aEuY98fg8<`O98<iP>!xEfXTE42iV=TxDcqC3L~j62l*DewCr_G^L0fb5Y;rjkI;au2)S8sU|31^}#
+d<nRP6)CmI1Uv`q0(1*=0h`fCVMJDuZK**Gq0bqSD$1;=)JH$q+O|~cSfNcpyXkZh0Zi8x7(<IS4yy~<17Ip$La1(xIW6<p
_X4*VEfUbug<jSdG>xKv8-VHCC9J&+{msUF=fSaA)7)mz9mgsJ1+44?M55t|%`oY;>k_&K{oeK7ZuxyfL-ISB!^?bHM{!ej<
FvlV{!xdhg~QG9AXiuT;FFveAk*vf94~9)XRiZ(_iSID@(NB^NzZDAt9i>U=WXI*aNuj2cg}%Tu9Q(YylYmeu-A>QD);1S!@
a9kM_psp_Nh_r^fWBQr}1jIc66G5wadJHRlDd_<)UfL)?LMnyBbCS6C1u`0lf;}Hf=GYZ*+yTjK3PWLtx(l9$9Tn54Z{R_IF
eF!Erk6ez?L5{*$g6cVe|h(@?_q;IhOb1DrvI?Qqtd<7UX$H7&BU%p*A5-?OpS600Z-(|}i!8nS2IS^8`4!xN|MeGq+)H4&G
PrfRyQGXPJW<`S{|AZ1NSP_f~y9;39=*WuNXc0aod$%?5WhOXj(p*S~XN{aRHB)teRCqrb4BteP=i(^4eI7&HAlt~GD)84JX
zEdKVkz^o}$jZsfa4({|#1_rRf#VY*WL(99c*9Y=8~eUcCXfudB&cNseoTF7>?YiVn{X3u!cF)j5E{?z4EFh%aOpmGkxO9>#
MbCMV$1oA)OoxI&m+d2N6bC1E6C`DFhKv*oUhO#!qjojp78c=%yU2<xCg1nJ$j!cB?r}N><3)5S=w@K3gZ$0TBIph@2<p1kw
&Pq>I{BYEpgy|8S(EHAn(I+nJ9_ql8CD#BQcm8J6?Y8s#+m8qV7^7c+nPWDl4X@bTJW3ftb4vCYUqW&Y81XB5>x-8_10zZUf
(=@(L>pM*SG;3w!CCA<Fq3JB1A7iSmU6wH%=-#Oaq5A+eyD(C_(;ZfO#seH;nRJ`Z)H$NA4B#?zdWn}hU|wb%8eAY0mx6zCW
-lt%RyTq{@AulT;7-r^)=N8rlTusjwIN+o7q5(-Y84p((47G<aG`+1PAg`<@~5$(Z~mPO>;_%w23OWT2a#FvGE2-%sfYD2rE
V#f&>9=)8`;v}5LNoa9BkD@$2z(t1RpqGFr4ap<W<?3Do3@_3`IDywx4oK*rw;_edZ)&a(Fx&i=l>*&EBK;0u$2L1?P#D-pw
<1+UvR)SI=q}&SX*M%E$0a!_u!frCa#LKs;{1&CBGPisu@;%~2p1TU4;q@3+5q0(a~Z#Yr7)G!ZN4lVGab$@kAhAOb5@diF5
gNP#-&BZ%8e9}>omwESuS@;uEuhdj{wft<~9^@O3P(A=c-4f@Rx>2IMUZCPfGnjD6bVK&3Yj*qKHR4m)xT8U8qIsz1mA^3C3
+zT`Ox~CX9<vu_)2{vN%!M0XcA0@~tMCkfDVvHSZ@b*6x+1=>{2*K{NNwJZz&wWx*M<LL75kl{wxU3tF;ZE}g+z$f5Bt>ZRd
roJ>(~Ssr<YPIFxm=OnFaoN1+i;ZDre%d)myR%%N#K>amraYk0$Ub60)`O1h;&lp#K<sj^5wzvW>hLc~e=U4NFrlo8nZ?>j^
zH*$^m&>APi|aW-5anrtcL1)AX>yry99zO#j3HS)Uzmk;+wJqQltOuwYeKT6-14}>*xiZB*-EQb5j^}-OR0`k{FaiU_O5wL&
5+}wzMh0<>8pWRsnc&%_``O38vMRzXUqsr_Q-~}IsJ<pO}_vSHaV(>RruWm{ZZ!W>*4MD>1~UvI1%KX1B*T!$~qp)73KUkIq
DNACCjBGF9l<kZU`rDTljfIkIOOmGCd$(L3K`q1lJ@Fr>Ct|q5i54eeS<ULh3HYOYfR+(AB~}=9h34mOy3+g1evTFg0yLa~j
9cy<)<pLHY`)vp40+n!KslGr+umoAlFQj9=_8hP&zC%-`*pzgtXbItV@R0|||Tg;QaO?&Eq~c%3h4gC57Kk?^vjM+3V+`Da8
~Oy_?M;k!}YQ<iV8Dzv86_pR0ajjDf<@Yr8?;R+YT@1Tp;pTH%#gP(%LRRzsA58j{6+aLa%LdSnEk5N;uYk4H1@K?q013V|<
|M{N{?`R01LX!@AT$d0nsPKOIF0|_rNYQVZ^%^K0pwIEq;;R+xj1HZcK09Al;%s;jdiZs@aI9Las<@C<1k1u>EdLqXSco)N;
a?4FbGA~E-9V3NH(^9msjL}}0ss5Duuc`Xw{7uEyHWJFH9!@8PT{xJ&boPFy5pp~pCQA&%c`p{XWhX<wNHL+)R}X+JABT%+P
TE(bA2v8_quX>iiWEd%AElu%gXf?DHpKZ(2{o1l5)|qaT?=*3p^eHzgci)&p7i^<nHAXSfQ3RFzRk-d7Cr9wpgVAOi?jaP*N
2{JTHCi&T@TlDRBc!eJ<y69jIBraM8eSc3Ble7Zh4u<k;m1r3GR%=Fft*Sw=Q6Yo-iYcN=I9V628VD&l3~4zx`>LR)vbZJ@e
Z+t7>c20dEXcH$asD6`#9Xz64-rK}y(ezfCIt8PC;jZ$itE~gF@K|2#kAr&|{ijh;0S_vrE6p3@UmmYy>`r6P`+Xy7>n%jl8
&b%y}cIL2?OWWx(X6Q9G_leMAuhISxhuD4iky)*N!?!N($4MUdPlb!hf1twu04D$VDg
"""


def _load_tables() -> tuple[bytes, list[int], list[int]]:
    raw = zlib.decompress(base64.b85decode("".join(_TABLES.split())))
    starts: list[int] = []
    values: list[int] = []
    pos, cp = 1089, 0
    while pos < len(raw):
        delta = shift = 0
        while True:
            byte = raw[pos]
            pos += 1
            delta |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        cp += delta
        starts.append(cp)
        values.append(raw[pos])
        pos += 1
    return raw[:1089], starts, values


_PAIR, _STARTS, _VALUES = _load_tables()

# libunistring's line-break classes (lbrktables.h); < 33 index the pair table.
(_WJ, _GL, _B2, _BA, _BB, _HY, _CL, _CP1, _CP2, _EX, _IN, _NS, _OP1, _OP2, _QU,
 _IS, _NU, _PO, _PR, _SY, _AL, _H2, _H3, _ID1) = range(24)
_HL, _RI, _ZWJ = 28, 29, 30
_BK, _CR, _LF, _CM, _ZW, _SP, _CB, _AI, _SA, _XX = range(33, 43)
_HL_BA = 100
_NO, _YES, _MUST = 0, 1, 2  # UC_BREAK_PROHIBITED, _POSSIBLE, _MANDATORY


def _char_info_slow(cp: int) -> int:
    return _VALUES[bisect.bisect_right(_STARTS, cp) - 1]


# A direct table for the Basic Multilingual Plane: one lookup instead of a bisection.
def _bmp_table() -> bytes:
    table = bytearray()
    for index, start in enumerate(_STARTS):
        if start >= 0x10000:
            break
        end = min(_STARTS[index + 1] if index + 1 < len(_STARTS) else 0x10000, 0x10000)
        table += bytes([_VALUES[index]]) * (end - start)
    return bytes(table)


_BMP_INFO = _bmp_table()


def _char_info(cp: int) -> int:
    """``class * 4 + width`` of code point ``cp``."""
    return _BMP_INFO[cp] if cp < 0x10000 else _char_info_slow(cp)


def _run_class_pattern() -> re.Pattern[str]:
    """A regex character class of the BMP characters whose line-break class acts as AL or NU.

    Between two such characters there is never a break opportunity, so a run of them
    can be skipped in one step (checked below against the pair table).
    """
    wanted = {_AL, _AI, _SA, _XX, _NU}
    ranges: list[str] = []
    begin = None
    for cp in range(0x10000 + 1):
        inside = cp < 0x10000 and (_BMP_INFO[cp] >> 2) in wanted and not 0xD800 <= cp < 0xE000
        if inside and begin is None:
            begin = cp
        elif not inside and begin is not None:
            ranges.append(f"\\u{begin:04x}-\\u{cp - 1:04x}")
            begin = None
    return re.compile(f"[{''.join(ranges)}]{{2,}}")


_RUN = _run_class_pattern()
assert all(_PAIR[a * 33 + b] != 1 for a in (_AL, _NU) for b in (_AL, _NU))


# Printable ASCII is one column wide: the common case needs no width table.
_ASCII_INFO = bytes(_BMP_INFO[:256])
assert all(_BMP_INFO[cp] & 3 == 1 for cp in range(0x20, 0x7F))


def _infos(text: str) -> bytes | list[int]:
    """``_char_info`` of every character of ``text`` (a bytes object for ASCII: C speed)."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_INFO)
    return [_BMP_INFO[cp] if cp < 0x10000 else _char_info_slow(cp) for cp in map(ord, text)]


def _possible_breaks(infos: bytes | list[int], text: str) -> list[tuple[int, int]]:
    """Break opportunities as ``(index, kind)`` (kind ``_YES`` or ``_MUST``), given each
    character's ``_char_info``: u8_possible_linebreaks_v2.  Runs of letters and digits,
    which never hold a break, are skipped in one step."""
    out: list[tuple[int, int]] = []
    runs = {m.start(): m.end() for m in _RUN.finditer(text)}
    prev = last = _BK  # previous class; last class ignoring spaces
    space = False
    ri_count = 0
    i, n = 0, len(infos)
    while i < n:
        prop = infos[i] >> 2
        if prop in (_BK, _LF, _CR):
            out.append((i, _MUST))
            prev, last, space = prop, _BK, False
        else:
            if prop in (_AI, _SA, _XX):
                prop = _AL
            elif prop == _CB:
                prop = _ID1
            if prop == _SP:
                space = True
            elif prop == _ZW:
                last, space = _ZW, False
            elif prop in (_CM, _ZWJ):
                if last == _BK:
                    last, space = _AL, False
                elif last == _ZW or space:
                    out.append((i, _YES))
                    last, space = _AL, False
            else:
                if last in (_BK, _ZW):
                    if last == _ZW:
                        out.append((i, _YES))
                elif prev in (_ZWJ, _HL_BA):
                    pass
                elif last == _RI and prop == _RI:
                    if space or ri_count % 2 == 0:
                        out.append((i, _YES))
                else:
                    kind = _PAIR[last * 33 + prop]  # 1 direct, 2 indirect, 3 no
                    if kind == 1 or (kind == 2 and space):
                        out.append((i, _YES))
                last, space = prop, False
            prev = _HL_BA if prev == _HL and prop in (_HY, _BA) else prop
        ri_count = ri_count + 1 if prop == _RI else 0
        end = runs.get(i)
        if end is not None:  # the rest of a letter/digit run: no break, state follows
            tail = infos[end - 1] >> 2
            prev = last = _NU if tail == _NU else _AL
            ri_count = 0
            i = end
        else:
            i += 1
    return out


def _line_breaks(text: str, width: int, start: int, forbidden: set[int],
                 prepared: tuple[list[tuple[int, int]], list[int] | range] | None = None
                 ) -> list[int]:
    """Indices of ``text`` before which a line is broken so lines fit ``width``:
    u8_width_linebreaks_v2.  No break is made before an index in ``forbidden``.
    ``prepared`` is :func:`_prepare`'s result, to reuse it for another ``start``."""
    opportunities, cumulative = prepared or _prepare(text, forbidden)
    result: list[int] = []
    last_i = -1
    column, segment = start, 0  # the current piece's width is cumulative[i] - cumulative[segment]
    for i, kind in opportunities:
        if last_i >= 0 and column + cumulative[i] - cumulative[segment] > width:
            result.append(last_i)
            column = 0
        if kind == _MUST:
            last_i, column, segment = -1, 0, i + 1
        else:
            last_i, column, segment = i, column + cumulative[i] - cumulative[segment], i
    if last_i >= 0 and column + cumulative[-1] - cumulative[segment] > width:
        result.append(last_i)
    return result


def _prepare(text: str, forbidden: set[int]) -> tuple[list[tuple[int, int]], list[int] | range]:
    """The allowed break opportunities of ``text`` and the running sum of its widths."""
    infos = _infos(text)
    cumulative: list[int] | range
    if text.isascii() and text.isprintable():
        cumulative = range(len(text) + 1)
    else:
        cumulative = [0, *itertools.accumulate(info & 3 for info in infos)]
    opportunities = [(i, kind) for i, kind in _possible_breaks(infos, text) if i not in forbidden]
    return opportunities, cumulative


# ------------------------------------------------------------------ writing

_ESCAPES = {"\a": "a", "\b": "b", "\f": "f", "\n": "n", "\r": "r", "\t": "t",
            "\v": "v", "\\": "\\", '"': '"'}
# Format languages in gettext 0.21's order, which is the order of the flags.
_FORMAT_LANGS = (
    "c objc python python-brace java java-printf csharp javascript scheme lisp"
    " elisp librep ruby sh awk lua object-pascal smalltalk qt qt-plural kde"
    " kde-kuit boost tcl perl perl-brace php gcc-internal gfc-internal ycp"
).split()
_PY_DIRECTIVE = re.compile(r"[-+ #0]*(\*|\d*)(?:\.(\*|\d*))?[hlL]?([%csrdiuoxXeEfgG])?")
_C_DIRECTIVE = re.compile(
    r"([1-9]\d*\$)?[ +\-#0'I]*(?:(\*)([1-9]\d*\$)?|\d+)?(?:\.(?:(\*)([1-9]\d*\$)?|\d*))?"
    r"(?:<PRI[diouxX](?:MAX|PTR|(?:LEAST|FAST)?(?:8|16|32|64))>"
    r"|(?:hh|h|ll|l|L|q|j|z|Z|t)?([diouxXeEfFgGaAcspn%]))")


def _directive_interiors(value: str, lang: str | None) -> set[int]:
    """Indices of ``value`` inside (not at the start of) a format directive.

    msgcat never breaks a line there.  Only python-format and c-format are
    modelled; the scan stops at the first invalid directive, as gettext does.
    """
    inside: set[int] = set()
    if lang not in ("python", "c"):
        return inside
    pos, named, unnamed = 0, False, False
    while (start := value.find("%", pos)) >= 0:
        pos = start + 1
        if lang == "c":
            m = _C_DIRECTIVE.match(value, pos)
            if m is None:
                break
            args = [m[3], m[5]] if m[2] and m[4] else [m[3]] if m[2] else [m[5]] if m[4] else []
            if m[1] or m[6] != "%":
                args.append(m[1])  # main argument: numbered "n$" or unnumbered
            for arg in args:
                if unnamed if arg else named:  # numbered and unnumbered mixed
                    return inside
                named, unnamed = named or bool(arg), unnamed or not arg
        else:
            is_named = value.startswith("(", pos)
            if is_named:
                depth = 0
                for pos in range(pos + 1, len(value) + 1):
                    if pos == len(value):
                        return inside
                    ch = value[pos]
                    if ch == ")" and depth == 0:
                        break
                    depth += (ch == "(") - (ch == ")")
                pos += 1
            m = _PY_DIRECTIVE.match(value, pos)
            assert m is not None
            star = "*" in (m.group(1), m.group(2))
            if (star and named) or m.group(3) is None:
                break
            unnamed = unnamed or star
            if is_named or m.group(3) != "%":
                if unnamed if is_named else named:
                    break
                named, unnamed = named or is_named, unnamed or not is_named
        pos = m.end()
        inside.update(range(start + 1, pos))
    return inside


def _wrap(prefix: str, name: str, value: str, wrap: bool,
          inside: set[int]) -> list[str]:
    """Lines for ``name "value"`` as write-po.c's ``wrap()`` prints them."""
    return list(_wrap_cached(prefix, name, value, wrap, frozenset(inside)))


@functools.lru_cache(maxsize=1 << 17)
def _wrap_cached(prefix: str, name: str, value: str, wrap: bool,
                 inside: frozenset[int]) -> tuple[str, ...]:
    # The same msgid is written in the template and in every language's catalog.
    return tuple(_wrap_uncached(prefix, name, value, wrap, inside))


_ESCAPE_TABLE = str.maketrans({ch: "\\" + code for ch, code in _ESCAPES.items()})
_NEEDS_ESCAPE = re.compile("[" + re.escape("".join(_ESCAPES)) + "]")


def _wrap_uncached(prefix: str, name: str, value: str, wrap: bool,
                   inside: frozenset[int]) -> list[str]:
    if "\x04" in value or "\0" in value:
        raise CatalogError(f"{name} {value[:40]!r} contains U+0004 or NUL, which PO cannot hold")
    lines: list[str] = []
    first = True
    after_break = len(prefix) + 1
    width = (PAGE_WIDTH if wrap else 2**31 - 1) - 1 - after_break
    pos = 0
    while True:
        end = value.find("\n", pos) + 1 or len(value)
        segment = value[pos:end]
        text = segment.translate(_ESCAPE_TABLE)
        # No break inside an escape sequence, nor inside a format directive.
        forbidden: set[int] = set()
        shift = 0
        for match in _NEEDS_ESCAPE.finditer(segment):
            forbidden.add(match.start() + shift + 1)
            shift += 1
        if inside:
            shift = 0
            for k, ch in enumerate(segment):
                if pos + k in inside:
                    forbidden.add(k + shift)
                shift += ch in _ESCAPES
        if segment.endswith("\n"):
            forbidden.add(len(text) - 2)  # never break just before a final "\n"
        pos = end
        start = len(prefix) + (len(name) + 1 if first else 0) + 1 - after_break
        if pos >= len(value) and start + len(text) <= width and \
                (text.isascii() or max(map(ord, text)) < 0x1100):
            # Fast path: it fits on the first line (every character here is at most one
            # column wide), so there is no break to compute.
            return [f'{prefix}{name} "{text}"'] if first else [*lines, f'{prefix}"{text}"']
        prepared = _prepare(text, forbidden)
        while True:
            start = len(prefix) + (len(name) + 1 if first else 0) + 1 - after_break
            breaks = _line_breaks(text, width, start, forbidden, prepared)
            if first and text and (pos < len(value) or start > width or breaks):
                lines.append(f'{prefix}{name} ""')
                first = False
                continue
            break
        head = f"{prefix}{name} \"" if first else f'{prefix}"'
        first = False
        cuts = [0, *breaks, len(text)]
        pieces = [text[a:b] for a, b in zip(cuts, cuts[1:])]
        lines.append(head + pieces[0] + '"')
        lines.extend(f'{prefix}"{piece}"' for piece in pieces[1:])
        if pos >= len(value):
            return lines


def _flags(flags: list[str]) -> tuple[bool, list[str], str | None, bool]:
    """msgcat's view of ``flags``: (fuzzy, format flags, range, wrap)."""
    fuzzy, formats, rng, wrap = _flags_cached(tuple(flags))
    return fuzzy, list(formats), rng, wrap


@functools.lru_cache(maxsize=1024)
def _flags_cached(flags: tuple[str, ...]) -> tuple[bool, tuple[str, ...], str | None, bool]:
    # A catalog holds a handful of distinct flag lists, each on thousands of entries.
    tokens = [t for t in re.split(r"[\n \t\r\f\v,]+", ",".join(flags)) if t]
    fuzzy, formats, rng, wrap = False, {}, None, True
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        i += 1
        if tok == "fuzzy":
            fuzzy = True
        elif tok in ("wrap", "no-wrap"):
            wrap = tok == "wrap"
        elif tok == "range:" and i < len(tokens):
            m = re.match(r"(\d+)\.\.(\d+)", tokens[i])
            i += 1
            if m and int(m[1]) <= int(m[2]):
                lo, hi = (min(int(x), 2**31 - 1) for x in m.groups())
                rng = f"range: {lo}..{hi}"
        elif tok.endswith("-format"):
            m = re.fullmatch(r"(no-|possible-|impossible-)?(.*)-format", tok)
            if m and m[2] in _FORMAT_LANGS:
                formats[m[2]] = m[1] or ""
    kept = [f"{'no-' if mode == 'no-' else ''}{lang}-format"
            for lang in _FORMAT_LANGS
            if (mode := formats.get(lang)) is not None and mode != "impossible-"]
    return fuzzy, tuple(kept), rng, wrap


def _comment_lines(mark: str, text: str | None) -> list[str]:
    lines = [f"{mark} {line}" if line else mark for line in text.split("\n")] if text else []
    for line in lines:
        if line.endswith("\\"):
            raise CatalogError(f"comment {line!r} ends with a backslash",
                               hint="gettext would join it with the next line; remove it")
    return lines


def _references(occurrences: list[tuple[str, str]]) -> list[str]:
    seen: set[tuple[str, int | None]] = set()
    refs: list[str] = []
    for path, line in occurrences:
        num = int(line) if str(line).isdigit() else None
        if (path, num) in seen:
            continue
        seen.add((path, num))
        while path.startswith("./"):
            path = path[2:]
        refs.append(path if num is None else f"{path}:{num}")
        if refs[-1].endswith("\\"):
            raise CatalogError(f"reference {refs[-1]!r} ends with a backslash",
                               hint="gettext would join it with the next line")
    lines: list[str] = []
    line, column = "#:", 2
    for ref in refs:
        size = len(ref.encode("utf-8")) + 1
        if column > 2 and column + size > PAGE_WIDTH:
            lines.append(line)
            line, column = "#:", 2
        line += " " + ref
        column += size
    return lines + [line] if refs else []


def _field_lines(prefix: str, name: str, value: str, wrap: bool, lang: str | None) -> list[str]:
    """The canonical lines of one field."""
    return _wrap(prefix, name, value, wrap, _directive_interiors(value, lang))


def _format_language(formats: list[str]) -> str | None:
    """The format language whose directives are never broken: the first one, if not ``no-``."""
    return next((f[:-7] for f in formats if not f.startswith("no-")), None)


def _msgstrs(entry: polib.POEntry, plural: bool) -> list[str]:
    """The translations of an entry as msgcat writes them: one, or every plural form."""
    if not plural:
        return [entry.msgstr or ""]
    forms = dict(entry.msgstr_plural or {})
    count = max([int(k) + 1 for k in forms] + [2 if not forms else 1])
    return [forms.get(n, forms.get(str(n), "")) for n in range(count)]


def _entry_lines(entry: polib.POEntry) -> list[str]:
    """The lines of one entry, or [] when msgcat would drop it."""
    plural = bool(entry.msgid_plural or entry.msgstr_plural)
    msgstrs = _msgstrs(entry, plural)
    if entry.obsolete and not any(msgstrs) and not (entry.tcomment or "").strip():
        return []  # msgcat also drops those with a translator comment, or msgstr[1] only
    fuzzy, formats, rng, wrap = _flags(list(entry.flags))
    flags = (["fuzzy"] if fuzzy and msgstrs[0] else []) + formats
    flags += ([rng] if rng and not entry.obsolete else []) + ([] if wrap else ["no-wrap"])
    lines = _comment_lines("#", entry.tcomment) + _comment_lines("#.", entry.comment)
    lines += _references(list(entry.occurrences))
    lines += [f"#, {', '.join(flags)}"] if flags else []
    lang = _format_language(formats)
    prev = "#~| " if entry.obsolete else "#| "
    for name in ("msgctxt", "msgid", "msgid_plural"):
        value = getattr(entry, f"previous_{name}", None)
        if value is not None:
            lines += _field_lines(prev, name, value, wrap, lang)
    prefix = "#~ " if entry.obsolete else ""
    fields = [("msgctxt", entry.msgctxt), ("msgid", entry.msgid)]
    fields += [("msgid_plural", entry.msgid_plural or "")] if plural else []
    if plural:
        fields += [(f"msgstr[{n}]", s) for n, s in enumerate(msgstrs)]
    else:
        fields.append(("msgstr", msgstrs[0]))
    for name, value in fields:
        if value is not None:
            lines += _field_lines(prefix, name, value, wrap, lang)
    return lines


def project_references(occurrences: list[tuple[str, str]], references: str
                       ) -> list[tuple[str, str]]:
    """``occurrences`` as ``references`` (one of :data:`REFERENCES`) writes them: ``line``
    keeps them, ``file`` drops the line numbers (each file once, like gettext's
    ``--add-location=file``), ``never`` drops them all."""
    if references == "line":
        return list(occurrences)
    if references == "never":
        return []
    return [(path, "") for path in dict.fromkeys(path for path, _ in occurrences)]


def _reference_key(occurrences: list[tuple[str, str]], references: str) -> tuple[object, ...]:
    """What two entries' references must share to count as the same under ``references``:
    ``file`` compares the files only, ``never`` nothing."""
    if references == "never" or not occurrences:
        return ()
    paths = [_plain_path(path) for path, _ in occurrences]
    if references == "file":
        return tuple(dict.fromkeys(paths))
    return tuple(dict.fromkeys((path, int(line) if str(line).isdigit() else None)
                               for path, (_, line) in zip(paths, occurrences)))


def _plain_path(path: str) -> str:
    while path.startswith("./"):
        path = path[2:]
    return path


def _entry_key(entry: polib.POEntry, references: str) -> tuple[object, ...]:
    """Everything of an entry that its canonical text shows, normalised as the writer
    normalises it (flags as msgcat keeps them, plural forms filled), with the references
    compared as ``references`` says and extracted comments by their words (a tool may
    wrap them).  Two entries with the same key mean the same to gettext."""
    plural = bool(entry.msgid_plural or entry.msgstr_plural)
    comment = entry.comment or ""
    return (entry.obsolete, entry.msgctxt, entry.msgid, entry.msgid_plural or "",
            tuple(_msgstrs(entry, plural)), entry.tcomment or "",
            " ".join(comment.split()) if "\n" in comment or "  " in comment else comment,
            _reference_key(entry.occurrences, references), _flags_cached(tuple(entry.flags)),
            entry.previous_msgctxt, entry.previous_msgid, entry.previous_msgid_plural)


def _same_field(name: str, old: str, new: str) -> bool:
    """Whether two values of a header field mean the same: equal, or for ``Plural-Forms``
    the same number of forms and the same form for every count."""
    if old == new:
        return True
    if name != "Plural-Forms":
        return False
    parsed = plural_function(old.strip())
    return parsed is not None and parsed == plural_function(new.strip())


def _header_fields(text: str) -> list[tuple[str, str]]:
    """``(name, value)`` of each ``Name: value`` line of a header's text, as the reader
    reads them."""
    fields = []
    for line in text.split("\n"):
        if line:
            name, _, value = line.partition(":")
            fields.append((name, value[1:] if value.startswith(" ") else value))
    return fields


def _header_block(po: polib.POFile, original: polib.POFile | None) -> list[str] | None:
    """The lines of ``po``'s header entry: as they were in ``original`` where its fields are
    the same (each changed field on canonical lines of its own), else canonical."""
    fields = list(po.metadata.items())
    header = polib.POEntry(
        msgid="", msgstr="".join(f"{k}: {v}\n" for k, v in fields),
        tcomment=po.header, flags=["fuzzy"] if po.metadata_is_fuzzy else [])
    canonical = _entry_lines(header)
    raw: _RawHeader | None = getattr(original, "twp_header", None)
    if raw is None or original is None:
        return canonical
    lines = original.twp_lines
    same_top = (original.header or "") == (po.header or "") and \
        bool(original.metadata_is_fuzzy) == bool(po.metadata_is_fuzzy)
    old_fields = list(original.metadata.items())
    if same_top and len(old_fields) == len(fields) and all(
            a == c and _same_field(a, b, d) for (a, b), (c, d) in zip(old_fields, fields)):
        return lines[raw.start:raw.end]
    if len(fields) < 2 or not raw.pieces or raw.pieces[0] != "" or \
            not raw.msgstr_lines[0].startswith("msgstr"):
        return canonical
    # The old msgstr's lines, grouped into whole fields (a group ends with a line end).
    groups: dict[str, tuple[list[tuple[str, str]], list[str]]] = {}
    text, group = "", []
    for line, piece in zip(raw.msgstr_lines[1:], raw.pieces[1:]):
        text += piece
        group.append(line)
        if text.endswith("\n"):
            found = _header_fields(text)
            if found:
                groups.setdefault(found[0][0], (found, group))
            text, group = "", []
    at = next(i for i, line in enumerate(canonical) if line.startswith("msgstr"))
    out = lines[raw.start:raw.msgstr_at + 1] if same_top else canonical[:at + 1]
    i = 0
    while i < len(fields):
        name, value = fields[i]
        old = groups.get(name)
        if old is not None and len(old[0]) <= len(fields) - i and all(
                a == c and _same_field(a, b, d)
                for (a, b), (c, d) in zip(old[0], fields[i:i + len(old[0])])):
            out += old[1]
            i += len(old[0])
            continue
        # The canonical lines of this field alone: msgcat wraps each line of the header
        # on its own (the lines after 'msgstr ""' and a first "\n").
        out += _wrap("", "msgstr", f"\n{name}: {value}\n", True, set())[2:]
        i += 1
    return out


def format_po(po: polib.POFile, *, original: polib.POFile | None = None,
              references: str = "line") -> str:
    """The text of the catalog: canonical, as msgcat would write it, except what is kept
    from ``original``.

    UTF-8 text with ``\\n`` line ends: the header entry (built from
    ``po.header``, ``po.metadata`` in dict order and ``po.metadata_is_fuzzy``),
    then the live entries, then the obsolete ones, separated by blank lines.
    Unknown flags are dropped, and so are obsolete entries without a
    translation and the fuzzy flag of untranslated entries, as msgcat does; but
    an obsolete entry with a translator comment, or a translation in a plural form
    other than the first, is kept (msgcat drops it, and with it that work).

    ``original``, the catalog as :func:`parse_po` read it from the file about to be
    replaced: an entry that means the same as one of its entries (:func:`_entry_key`;
    references compared as ``references`` says) is written exactly as it was there,
    with the blank lines before it, whatever tool wrote it; so are the header's fields
    that did not change (``Plural-Forms`` by its meaning) and the end of the file.
    """
    blocks: list[tuple[list[str], tuple[int, int, int] | None]] = []
    if po.metadata or po.header or po.metadata_is_fuzzy or getattr(po, "twp_has_header", False):
        header = _header_block(po, original)
        raw_header: _RawHeader | None = getattr(original, "twp_header", None)
        same = raw_header is not None and original is not None and \
            header == original.twp_lines[raw_header.start:raw_header.end]
        blocks.append((header, raw_header.span if same and raw_header else None))
    spans: dict[tuple[object, ...], tuple[int, int, int]] = {}
    if original is not None and hasattr(original, "twp_lines"):
        for entry in original:
            span = getattr(entry, "twp_span", None)
            if span is not None:
                spans.setdefault(_entry_key(entry, references), span)
    entries = [e for e in po if not e.obsolete] + [e for e in po if e.obsolete]
    for entry in entries:
        span = spans.get(_entry_key(entry, references)) if spans else None
        if span is not None:
            blocks.append((original.twp_lines[span[1]:span[2]], span))  # type: ignore[union-attr]
        elif lines := _entry_lines(entry):
            blocks.append((lines, None))
    if not blocks:
        return ""
    if original is None or not hasattr(original, "twp_lines"):
        return "\n\n".join("\n".join(b) for b, _ in blocks) + "\n"
    old = original.twp_lines
    out: list[str] = []
    for index, (lines, span) in enumerate(blocks):
        if span is not None and (span[0] == 0) == (index == 0):
            out += old[span[0]:span[1]]  # the blank lines before it, as they were
        elif index:
            out.append("")
        out += lines
    span = blocks[-1][1]
    out += old[span[2]:] if span is not None and span[2] == original.twp_end else [""]
    return "\n".join(out)


# ------------------------------------------------------------------ reading

_QUOTING_HINT = ("a translator's edit probably broke the quoting; open the file "
                 "in a PO editor or fix line {line}")
_STRUCTURE_HINT = ("each entry is [msgctxt] msgid then msgstr (or msgid_plural then "
                   "msgstr[0], msgstr[1], ...); fix line {line} or open the file in a PO editor")
_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr)(?:[ \t]*\[[ \t]*([0-9]+)[ \t]*\])?"
                      r"(?=[\s\"]|$)")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]+)|([ntbrfva\\\"]))")
_WORD = re.compile(r"(?:msgctxt|msgid_plural|msgid|msgstr|domain)(?![A-Za-z0-9_$])")
_UNESCAPE = {"n": "\n", "t": "\t", "b": "\b", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_SOLARIS = re.compile(r" [Ff]ile:[ \t]*(.*?)[ \t]*,[ \t]*line[ \t]*(?:number[ \t]*)?:([0-9]+)[ \t]*")
_NUMBER = re.compile(r"[0-9]+")
_COLON_NUMBER = re.compile(r":[0-9]+")
_REFERENCE = re.compile(r"(.+):([0-9]+)")
_CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")  # git merge
_OPEN = ("msgctxt", "msgid", "msgid_plural")  # states in which msgstr is still due
# A keyword (or none: a continuation) and one string without escapes: most lines.
_PLAIN_LINE = re.compile(r'(?:(msgctxt|msgid_plural|msgid|msgstr)(?:\[([0-9]+)\])? )?'
                         r'"([^"\\\x00\x04]*)"')
_PLAIN_COMMENTS = (".", ":", ",", " ")  # after "#": comment lines with nothing special
_SPACE = " \t\f\v"  # what gettext skips between tokens (with CR and LF)
_FLAG_SEPARATORS = re.compile(r"[ \t\n\v\f\r,]+")
_PREVIOUS_NEXT = {None: "msgctxt", "msgctxt": "msgid", "msgid": "msgid_plural",
                  "msgid_plural": None}  # the '#|' keyword that may come next


_LIMITS = LimitsConfig()


def _too_large(path: str, bound: int, size: int | None = None) -> CatalogError:
    what = f"{size} bytes, " if size is not None else ""
    return CatalogError(
        f"the file is larger than [limits] max_catalog_bytes ({what}the bound is {bound} bytes)",
        path=path, hint="a translation catalog is rarely that large: check that this is the right "
                        "file; if it is, raise [limits] max_catalog_bytes in twp.toml")


class UnsupportedSyntax(CatalogError):
    """A catalog that GNU gettext reads but twp does not, rather than guess: the error says
    how to write the same thing in a form twp reads.  Everything else the reader refuses,
    ``msgfmt`` refuses too (``tests/test_pofile_msgfmt.py`` checks both against msgfmt).

    The forms refused: a carriage return not followed by a line feed (old Mac line
    endings, or a raw CR in a string or comment); a line ending in a backslash (which
    gettext joins with the next line); a keyword and its string on different lines,
    several keywords on one line, or a comment after a keyword or string (also after
    ``#~`` or ``#|``); a ``domain`` directive; a NUL character in a string; escape
    sequences that do not stand for UTF-8 text (``\\xff``, ``\\x`` with more than two
    hex digits); bytes that are not UTF-8 where gettext does not check them (comments, or
    before the header names the charset); a header charset other than UTF-8 (ASCII for
    ASCII text); a header entry with plural forms, or a header line not of the form
    ``Name: value``; comment lines after the last entry (which belong to no entry).
    """


class _RawHeader:
    """Where the header entry was in the text read: its lines ``start:end`` (after the
    blank lines from ``gap``), the line of its msgstr, and that field's lines and strings."""

    __slots__ = ("gap", "start", "end", "msgstr_at", "msgstr_lines", "pieces")

    def __init__(self, gap: int, start: int, end: int, msgstr_at: int,
                 msgstr_lines: list[str], pieces: list[str]) -> None:
        self.gap, self.start, self.end, self.msgstr_at = gap, start, end, msgstr_at
        self.msgstr_lines, self.pieces = msgstr_lines, pieces

    @property
    def span(self) -> tuple[int, int, int]:
        return (self.gap, self.start, self.end)


class _Parser:
    """Line-oriented PO parser; the state is the last keyword of the entry.

    Each entry read gets ``twp_span``: ``(gap, start, end)``, indices in the file's lines
    (``po.twp_lines``) of the blank lines before it and of its own lines; the header's
    are in ``po.twp_header``; ``po.twp_end`` is where the last entry ends.  :func:`format_po`
    writes again from them what did not change.
    """

    def __init__(self, text: str, path: str, limits: LimitsConfig = _LIMITS) -> None:
        self.path = path
        if len(text) > limits.max_catalog_bytes or (
                4 * len(text) > limits.max_catalog_bytes
                and len(text.encode("utf-8", "surrogatepass")) > limits.max_catalog_bytes):
            raise _too_large(path, limits.max_catalog_bytes)
        self.max_entry = limits.max_entry_bytes
        self.raw_lines: list[str] = []  # the lines of the field being read
        self.msgstr_lines: list[str] = []  # those of the last msgstr read, and its strings
        self.msgstr_pieces: list[str] = []
        self.msgstr_at = 0  # the index of its keyword's line
        self.gap = 0  # the index of the line after the last entry read
        self.start: int | None = None  # of the first line of the entry being read
        self.end = 0  # just after its last line
        text = text.removeprefix("\ufeff").replace("\r\n", "\n")
        if (cr := text.find("\r")) >= 0:
            # gettext ends a comment line only at LF: an old Mac file (CR only) is one long
            # comment to it, and a lone CR elsewhere is whitespace or part of a string.
            line = text.count("\n", 0, cr) + 1
            raise UnsupportedSyntax(
                "carriage return (CR) without a line feed: the file does not have LF or CRLF "
                "line endings", path=path, line=line,
                hint=f"save the file again with LF (Unix) line endings (line {line} has the "
                     "first lone CR; inside a string, write it as \\r)")
        self.lines = text.split("\n")
        self.po = polib.POFile(encoding="utf-8")
        self.po.metadata_is_fuzzy = False
        self.seen: dict[tuple[str | None, str], int] = {}
        self.state = "idle"
        self.lineno = 0
        # The strings read so far of the field being read (``self.state``): joined once, when
        # the field ends, so that a field of many lines costs its length, not its length squared.
        self.pieces: list[str] = []
        self.field_bytes = 0  # their size in UTF-8
        self.field_line = 0  # the line of their keyword
        self._new_pending()

    def error(self, message: str, hint: str = _QUOTING_HINT, line: int | None = None) -> CatalogError:
        line = line or self.lineno
        return CatalogError(message, path=self.path, line=line, hint=hint.format(line=line))

    def _new_pending(self) -> None:
        self.comments: dict[str, list[str]] = {"#": [], "#.": []}
        self.refs: list[tuple[str, str]] = []
        self.flags: list[str] = []
        self.prev: dict[str, list[str]] = {}  # previous (#|) fields: their strings
        self.prev_bytes = 0
        self.prev_line = 0
        self.prev_obsolete = False
        self.comment_bytes: dict[str, int] = {}  # by kind of comment
        self.prev_last: str | None = None
        self.pending_start: int | None = None  # the first comment or '#|' line read

    def grow(self, size: int, value: str, what: str, line: int) -> int:
        """``size`` plus the UTF-8 length of ``value``; an error if that exceeds the bound."""
        size += len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))
        if size > self.max_entry:
            raise self.too_long(what, line)
        return size

    def too_long(self, what: str, line: int) -> CatalogError:
        return CatalogError(
            f"{what} is larger than [limits] max_entry_bytes ({self.max_entry} bytes)",
            path=self.path, line=line,
            hint=f"shorten it (from line {line}), or raise [limits] max_entry_bytes in "
                 "twp.toml if it is really meant to be that long")

    def strings(self, text: str) -> str:
        """Decode the quoted strings making up the rest of a line."""
        out: list[str] = []
        pos = 0
        while pos < len(text):
            if text[pos] in " \t\f\v":
                pos += 1
                continue
            m = _STRING.match(text, pos)
            if m is None:
                if text[pos] == '"':
                    raise self.error("unterminated string (missing closing '\"')")
                if text[pos] == "#":
                    raise self.unsupported("a comment after a keyword or string",
                                           "write the comment on a line of its own, starting "
                                           "with '#', before the entry (line {line})")
                if _WORD.match(text, pos):
                    raise self.unsupported("several keywords on one line",
                                           "start a new line before each keyword (line {line})")
                what = "after the string" if out else "where a quoted string was expected"
                raise self.error(f"unexpected text {what}: {text[pos:pos + 20]!r}")
            out.append(self.unescape(m.group(1)))
            pos = m.end()
        if not out:
            raise self.unsupported("a keyword without its string on the same line",
                                   "put the keyword and its first string on the same line "
                                   "(line {line})")
        if "\x04" in (value := "".join(out)):
            raise self.error("control character U+0004 (the msgctxt separator) in string")
        return value

    def unescape(self, body: str) -> str:
        if "\\" not in body and "\0" not in body:
            return body
        data = bytearray()
        pos = 0
        for m in _ESCAPE.finditer(body):
            chunk = body[pos:m.start()]
            if "\\" in chunk:
                bad = chunk[chunk.index("\\"):][:2]
                raise self.error(f"invalid escape sequence {bad!r} in string")
            data += chunk.encode("utf-8", "surrogatepass")
            octal, hexa, simple = m.groups()
            if simple:
                data += _UNESCAPE.get(simple, simple).encode()
            elif hexa is not None and len(hexa) > 2:
                raise self.unsupported(
                    f"escape sequence '\\x{hexa}' with more than two hex digits (gettext reads "
                    "it as one byte)", "write at most two hex digits after \\x, or the "
                    "character itself (line {line})")
            else:
                data.append(int(octal, 8) & 0xFF if octal else int(hexa, 16))
            pos = m.end()
        tail = body[pos:]
        if "\\" in tail:
            raise self.error(f"invalid escape sequence {tail[tail.index(chr(92)):][:2]!r} in string")
        data += tail.encode("utf-8", "surrogatepass")
        if 0 in data:
            raise self.unsupported("NUL character in string (gettext ends the string there)",
                                   "remove the NUL character or \\0 escape on line {line}")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise self.unsupported("escape sequences that do not form valid UTF-8 text",
                                   "write the characters themselves instead of \\ooo or "
                                   "\\xhh escapes (line {line})") from None

    def run(self) -> polib.POFile:
        plain = _PLAIN_LINE.fullmatch
        for self.lineno, raw in enumerate(self.lines, 1):
            # Fast paths for the lines of canonical files; anything else takes the general one.
            if not raw:
                continue
            if (m := plain(raw)) is not None and (m[1] or self.state != "idle"):
                self.line = raw
                if m[1] is None:
                    self.check_obsolete(False)
                    self.more(m[3])
                else:
                    self.field(m[1], m[2], m[3], obsolete=False)
                continue
            if raw[0] == "#" and raw[1:2] in _PLAIN_COMMENTS and raw[-1] != "\\":
                self.comment(raw[1:])
                continue
            line = raw.lstrip(" \t\r\f\v")
            if not line.rstrip(" \t\r\f\v"):
                continue
            if line.endswith("\\"):
                raise self.unsupported(
                    "line ends with a backslash, which gettext joins with the next line",
                    "remove the backslash at the end of line {line}, or join the two lines")
            self.line = raw
            if line.startswith("#~|") or line.startswith("#|"):
                obsolete = line[1] == "~"
                self.previous(line[3:] if obsolete else line[2:], obsolete)
            elif line.startswith("#~"):
                rest = line[2:].strip(_SPACE)
                if rest.startswith("#"):
                    raise self.unsupported("a comment after '#~'",
                                           "write the comment on a line of its own, starting "
                                           "with '#', before the entry (line {line})")
                if rest:
                    self.keyword(rest, obsolete=True)
            elif line.startswith("#"):
                self.comment(line[1:])
            else:
                self.keyword(line.rstrip(_SPACE), obsolete=False)
        self.lineno = len(self.lines)
        self.close_entry()
        if self.prev_last is not None:
            raise self.error("'#|' lines without an entry after them", _STRUCTURE_HINT,
                             line=self.prev_line)
        if any(line.strip() for line in self.comments["#"]) or self.comments["#."] or \
                self.refs or self.flags:
            self.lineno = self.comment_line
            raise self.unsupported("comment lines after the last entry (twp keeps comments "
                                   "with the entry after them)",
                                   "move the comments from line {line} on above an entry")
        self.check_charset()
        self.po.twp_lines = self.lines
        self.po.twp_end = self.gap
        return self.po

    def check_charset(self) -> None:
        """The header's charset must say UTF-8 (or ASCII for ASCII text, or be left unset)."""
        m = re.search(r"charset=([^\s;]*)", self.po.metadata.get("Content-Type", ""))
        charset = m[1] if m else ""
        if charset.upper() in ("", "UTF-8", "UTF8", "CHARSET"):
            return
        if charset.upper() in ("ASCII", "US-ASCII") and all(line.isascii() for line in self.lines):
            return
        line = getattr(self.po, "header_linenum", None)
        raise UnsupportedSyntax(
            f"the header says charset={charset}: twp reads UTF-8 catalogs only",
            path=self.path, line=line,
            hint="convert the file to UTF-8 (msgconv -t UTF-8) and set 'Content-Type: "
                 f"text/plain; charset=UTF-8' in its header (the entry on line {line})")

    def unsupported(self, message: str, hint: str) -> UnsupportedSyntax:
        return UnsupportedSyntax(message, path=self.path, line=self.lineno,
                                 hint=hint.format(line=self.lineno))

    def close_entry(self) -> None:
        """End the current entry (if any) before a comment or a new entry."""
        if self.state in _OPEN:
            raise self.error(
                "missing msgstr after this msgid", _STRUCTURE_HINT,
                line=self.entry.linenum or self.entry_line)
        if self.state != "idle":
            self.flush()
            self.finish()
        self.state = "idle"

    def comment(self, text: str) -> None:
        if self.state in _OPEN:
            raise self.error("comment line inside an entry (before its msgstr)", _STRUCTURE_HINT)
        if self.prev_last is not None:
            raise self.error("comment line between the '#|' lines and their entry",
                             "write the comments before the '#|' lines; " + _STRUCTURE_HINT)
        self.close_entry()
        if self.pending_start is None:
            self.pending_start = self.lineno - 1
        if not self.comment_bytes:
            self.comment_line = self.lineno  # the first comment line of the entry
        kind = text[:1] if text[:1] in ".:,!" else " "
        size = self.comment_bytes.get(kind, 0) + (
            len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass")))
        if size > self.max_entry:
            raise self.too_long(f"the '#{kind.strip()}' comment of an entry", self.lineno)
        self.comment_bytes[kind] = size
        if text.startswith("."):
            self.comments["#."].append(text[2:] if text.startswith(". ") else text[1:])
        elif text.startswith(":"):
            self.references(text[1:])
        elif text[:1] in (",", "!"):
            # As in gettext, a flags line replaces the flags of the lines before it.
            self.flags = [f for f in _FLAG_SEPARATORS.split(text[1:]) if f]
        elif m := _SOLARIS.fullmatch(text):
            self.refs.append((m[1], str(int(m[2]))))
        else:
            self.comments["#"].append(text[1:] if text.startswith(" ") else text)

    def references(self, text: str) -> None:
        tokens = text.split()
        i = 0
        while i < len(tokens):
            tok, nxt = tokens[i], tokens[i + 1:i + 3]
            i += 1
            if nxt and _COLON_NUMBER.fullmatch(nxt[0]):
                ref, i = (tok, nxt[0][1:]), i + 1
            elif nxt[:1] == [":"] and len(nxt) == 2 and _NUMBER.fullmatch(nxt[1]):
                ref, i = (tok, nxt[1]), i + 2
            elif tok.endswith(":") and nxt and _NUMBER.fullmatch(nxt[0]):
                ref, i = (tok[:-1], nxt[0]), i + 1
            elif m := _REFERENCE.fullmatch(tok):
                ref = (m[1], m[2])
            else:
                ref = (tok, "")
            self.refs.append((ref[0], str(int(ref[1])) if ref[1] else ""))

    def previous(self, text: str, obsolete: bool) -> None:
        text = text.strip(_SPACE)
        if not text:  # nothing for gettext, as a blank line
            return
        if self.state in _OPEN:
            raise self.error("'#|' line inside an entry (before its msgstr)", _STRUCTURE_HINT)
        self.close_entry()
        if self.pending_start is None:
            self.pending_start = self.lineno - 1
        if text.startswith("#"):
            raise self.unsupported("a comment after '#|'", "write the comment on a line of its "
                                   "own, starting with '#', before the entry (line {line})")
        if self.prev_last is not None and obsolete != self.prev_obsolete:
            raise self.error("inconsistent use of '#~' within one entry", _STRUCTURE_HINT)
        self.prev_obsolete = obsolete
        if text.startswith('"'):
            if self.prev_last is None:
                raise self.error("'#|' string without a keyword", _STRUCTURE_HINT)
            value = self.strings(text)
            self.prev_bytes = self.grow(self.prev_bytes, value, f"'#| {self.prev_last}'",
                                        self.prev_line)
            self.prev[self.prev_last].append(value)
            self.raw_lines.append(self.line)
            return
        m = _KEYWORD.match(text)
        if m is None or m[1] == "msgstr" or m[2] is not None:
            raise self.error(f"unknown keyword in '#|' line: {text.split()[0]!r}", _STRUCTURE_HINT)
        if m[1] != _PREVIOUS_NEXT[self.prev_last] and (m[1], self.prev_last) != ("msgid", None):
            raise self.error("'#|' lines out of order: they are [msgctxt] msgid [msgid_plural], "
                             "each once", _STRUCTURE_HINT)
        self.prev_last = m[1]
        value = self.strings(text[m.end():])
        self.prev_line = self.lineno
        self.prev_bytes = self.grow(0, value, f"'#| {m[1]}'", self.lineno)
        self.prev[m[1]] = [value]
        self.raw_lines = [self.line]

    def keyword(self, text: str, obsolete: bool) -> None:
        if text.startswith('"'):
            if self.state == "idle":
                raise self.error("string without a keyword before it", _STRUCTURE_HINT)
            self.check_obsolete(obsolete)
            self.more(self.strings(text))
            return
        m = _KEYWORD.match(text)
        if m is None:
            if text.startswith(_CONFLICT_MARKERS):
                raise self.merge_conflict()
            word = re.match(r"\S*", text)[0]  # type: ignore[index]
            if re.match(r"domain(?![A-Za-z0-9_$])", text):
                raise self.unsupported(
                    "a 'domain' directive: twp reads one domain per file (one article, or the "
                    "site)", "remove the directive on line {line}, or move what follows it to "
                    "the catalog of that domain")
            raise self.error(f"unknown keyword {word!r}", _STRUCTURE_HINT)
        self.field(m[1], m[2], self.strings(text[m.end():]), obsolete)

    def merge_conflict(self) -> CatalogError:
        """A git conflict marker: the file is a merge git could not finish."""
        shown = self.path.replace('"', "")
        return CatalogError(
            f"git conflict marker {self.line.strip()[:7]!r}: this catalog is an unresolved git "
            "merge", path=self.path, line=self.lineno,
            hint=f"do not keep one side of the whole file ('ours' or 'theirs' drops the other "
                 f"side's translations): run 'twp merge-po --from-git \"{shown}\"' to merge it "
                 "entry by entry from git's copies of both sides, then 'twp check' and 'git add'; "
                 "'twp git-setup' makes git merge catalogs that way by itself")

    def more(self, value: str) -> None:
        """A string continuing the current field."""
        self.raw_lines.append(self.line)
        self.pieces.append(value)
        self.end = self.lineno
        self.field_bytes += len(value) if value.isascii() else \
            len(value.encode("utf-8", "surrogatepass"))
        if self.field_bytes > self.max_entry:
            raise self.too_long(self.state if self.state != "msgstr[]" else
                                f"msgstr[{len(self.entry.msgstr_plural) - 1}]", self.field_line)

    def flush(self) -> None:
        """Store the value of the field just read into the entry."""
        value = self.pieces[0] if len(self.pieces) == 1 else "".join(self.pieces)
        if self.state == "msgstr[]":
            self.entry.msgstr_plural[len(self.entry.msgstr_plural) - 1] = value
        elif self.state != "idle":
            setattr(self.entry, self.state, value)
            if self.state == "msgstr":
                self.msgstr_lines, self.msgstr_pieces = self.raw_lines, self.pieces
        self.pieces = []

    def field(self, kw: str, index: str | None, value: str, obsolete: bool) -> None:
        """A keyword line: ``kw`` (``msgstr`` with ``index`` for a plural form) and its value."""
        state = self.state
        if index is not None and kw != "msgstr":
            raise self.error(f"{kw}[{index}]: only msgstr takes a plural form index",
                             _STRUCTURE_HINT)
        if state not in ("idle", "msgstr", "msgstr[]"):
            self.flush()  # the end of msgctxt, msgid or msgid_plural
        if kw in ("msgctxt", "msgid") and state in ("idle", "msgstr", "msgstr[]"):
            self.close_entry()
            self.start_entry(obsolete)
        elif kw == "msgid" and state == "msgctxt":
            self.check_obsolete(obsolete)
        elif kw in ("msgctxt", "msgid"):
            self.close_entry()
        elif kw == "msgid_plural" and state != "msgid":
            raise self.error("msgid_plural without a msgid before it", _STRUCTURE_HINT)
        elif kw == "msgstr" and index is None and state != "msgid":
            what = ("msgstr after msgid_plural (use msgstr[0], msgstr[1], ...)"
                    if state == "msgid_plural" else "msgstr without a msgid before it")
            raise self.error(what, _STRUCTURE_HINT)
        elif kw == "msgstr" and index is not None:
            if state == "msgid":
                raise self.error(f"msgstr[{index}] without msgid_plural", _STRUCTURE_HINT)
            if state not in ("msgid_plural", "msgstr[]"):
                raise self.error(f"msgstr[{index}] without a msgid before it", _STRUCTURE_HINT)
            expected = len(self.entry.msgstr_plural)
            if int(index) != expected:
                raise self.error(f"plural form has wrong index: expected msgstr[{expected}]",
                                 _STRUCTURE_HINT)
        self.check_obsolete(obsolete)
        self.raw_lines = [self.line]
        self.end = self.lineno
        if kw == "msgstr" and index is None:
            self.msgstr_at = self.lineno - 1
        if kw == "msgstr" and index is not None:
            if state == "msgstr[]":
                self.flush()
            self.entry.msgstr_plural[int(index)] = ""  # filled by flush()
            self.state = "msgstr[]"
        else:
            if kw == "msgid":
                self.entry.linenum = self.lineno
            self.state = kw
        self.pieces = [value]
        self.field_line = self.lineno
        self.field_bytes = len(value) if value.isascii() else \
            len(value.encode("utf-8", "surrogatepass"))
        if self.field_bytes > self.max_entry:
            raise self.too_long(kw if index is None else f"msgstr[{index}]", self.lineno)

    def check_obsolete(self, obsolete: bool) -> None:
        if obsolete != self.entry.obsolete:
            raise self.error("inconsistent use of '#~' within one entry", _STRUCTURE_HINT)

    def start_entry(self, obsolete: bool) -> None:
        if self.prev_last == "msgctxt":
            raise self.error("'#| msgctxt' without a '#| msgid' after it", _STRUCTURE_HINT,
                             line=self.prev_line)
        if self.prev_last is not None and self.prev_obsolete != obsolete:
            raise self.error("inconsistent use of '#~' within one entry", _STRUCTURE_HINT)
        prev = self.prev
        self.entry = polib.POEntry(
            msgid="", obsolete=obsolete, tcomment="\n".join(self.comments["#"]),
            comment="\n".join(self.comments["#."]), occurrences=self.refs, flags=self.flags,
            previous_msgctxt="".join(prev["msgctxt"]) if "msgctxt" in prev else None,
            previous_msgid="".join(prev["msgid"]) if "msgid" in prev else None,
            previous_msgid_plural="".join(prev["msgid_plural"]) if "msgid_plural" in prev else None)
        self.entry.linenum = None
        self.entry_line = self.lineno
        self.start = self.pending_start if self.pending_start is not None else self.lineno - 1
        self._new_pending()

    def finish(self) -> None:
        entry = self.entry
        key = (entry.msgctxt, entry.msgid)
        if key in self.seen:
            raise self.error(
                f"duplicate message definition (first defined on line {self.seen[key]})",
                "merge the two entries, or delete one; fix line {line}", line=entry.linenum)
        self.seen[key] = entry.linenum
        assert self.start is not None
        gap, self.gap = self.gap, self.end
        if entry.msgid or entry.msgctxt is not None or entry.obsolete:
            entry.twp_span = (gap, self.start, self.end)
            self.po.append(entry)
            return
        if entry.msgid_plural or entry.msgstr_plural:
            raise UnsupportedSyntax("the header entry (msgid \"\") has plural forms",
                                    path=self.path, line=entry.linenum,
                                    hint="give the header a plain msgstr (line "
                                         f"{entry.linenum} is its msgid)")
        self.po.header = entry.tcomment
        self.po.header_linenum = entry.linenum
        self.po.metadata_is_fuzzy = "fuzzy" in entry.flags
        setattr(self.po, "twp_has_header", True)  # header present even if empty
        self.po.twp_header = _RawHeader(gap, self.start, self.end, self.msgstr_at,
                                        self.msgstr_lines, self.msgstr_pieces)
        for offset, field in enumerate(entry.msgstr.split("\n")):
            if field:
                name, colon, value = field.partition(":")
                if not colon or not name.strip():
                    raise UnsupportedSyntax(
                        f"header field {field[:30]!r} is not of the form 'Name: value'",
                        path=self.path, line=entry.linenum,
                        hint=f"fix or remove that header line (line {entry.linenum} is the "
                             "header's msgid)")
                self.po.metadata[name] = value[1:] if value.startswith(" ") else value


def parse_po(text: str, path: str = "<string>", *,
             limits: LimitsConfig = _LIMITS) -> polib.POFile:
    """Parse PO text strictly into a :class:`polib.POFile`.

    The header entry fills ``po.header`` (its comment), ``po.metadata`` (fields
    in file order) and ``po.metadata_is_fuzzy``; every entry gets ``linenum``,
    the 1-based line of its msgid keyword.  Syntax errors, bad escapes,
    misplaced keywords, wrongly numbered plural forms and duplicate
    (msgctxt, msgid) pairs raise :class:`CatalogError` naming ``path``:line.

    The result remembers the text's lines and where each entry was among them, so
    that :func:`format_po` given it as ``original`` writes again, byte for byte, the
    entries that did not change (the text's BOM and CRs before line feeds are not kept).

    ``limits``: text longer than ``max_catalog_bytes``, and any msgctxt, msgid,
    msgstr, previous field or comment of an entry longer than ``max_entry_bytes``
    (in UTF-8), is a :class:`CatalogError` naming the ``[limits]`` key.
    """
    return _Parser(text, path, limits).run()


def read_po(path: Path, display: str | None = None, *,
            limits: LimitsConfig = _LIMITS) -> polib.POFile:
    """Read and parse the catalog at ``path`` (UTF-8, optional BOM, LF or CRLF).

    ``display`` is the path shown in error messages (default ``str(path)``);
    ``limits`` as for :func:`parse_po`.
    """
    shown = display if display is not None else str(path)
    try:
        data = read_bytes(path, shown, limits)
    except FileNotFoundError as exc:
        raise CatalogError(f"cannot read: {exc.strerror or exc}", path=shown) from exc
    po = parse_po(decode(data, shown), shown, limits=limits)
    po.fpath = str(path)
    return po


def read_bytes(path: Path | str, shown: str, limits: LimitsConfig = _LIMITS) -> bytes:
    """The bytes of the catalog at ``path``; refused before it is read when larger than
    ``limits.max_catalog_bytes``.  A missing file raises :class:`FileNotFoundError`, any
    other failure a :class:`CatalogError` naming ``shown``."""
    bound = limits.max_catalog_bytes
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > bound:
                raise _too_large(shown, bound, size)
            data = handle.read(bound + 1)  # no more, even if the file grows meanwhile
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise CatalogError(f"cannot read: {exc.strerror or exc}", path=shown,
                           hint="it should be a readable file") from exc
    if len(data) > bound:
        raise _too_large(shown, bound)
    return data


def decode(data: bytes, shown: str) -> str:
    """The text of a catalog's bytes; invalid UTF-8 is a CatalogError naming the line."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        start = data.rfind(b"\n", 0, exc.start) + 1
        # gettext checks the encoding of strings only, and only after the header naming it.
        named = re.search(rb"charset=UTF-8(?=[ \t\\\"])", data[:exc.start], re.IGNORECASE)
        lenient = b"#" in data[start:exc.start] or named is None or \
            re.search(rb"\r(?!\n)", data) is not None or \
            not re.search(rb"\n[ \t\f\v]*[^\"\s]", data[named.end():start])
        raise (UnsupportedSyntax if lenient else CatalogError)(
            "not valid UTF-8", path=shown, line=line,
            hint=f"save the file as UTF-8 (line {line} has the first bad byte)") from None


def write_po(path: Path, po: polib.POFile, *, replaced: Collection[Key] | None = None,
             original: polib.POFile | None = None, references: str = "line") -> bool:
    """Atomically write :func:`format_po` of ``po`` unless unchanged; True if written.
    ``original`` and ``references`` as for :func:`format_po`.

    With ``replaced`` (what every command passes), an existing file is replaced only if
    that loses none of its translations and translator comments but those of the
    (msgctxt, msgid) entries listed (:func:`~twp_i18n.catalog.poguard.check_kept`).  Without it,
    the caller sets the file's whole content knowingly (as a translator's editor does).
    """
    data = format_po(po, original=original, references=references).encode("utf-8")
    if replaced is not None:
        try:
            old: bytes | None = path.read_bytes()
        except FileNotFoundError:
            old = None
        except OSError as exc:
            raise CatalogError(f"cannot read: {exc.strerror or exc}", path=str(path)) from exc
        if old is not None:
            check_kept(old, data, str(path), replaced)
    return write_if_changed(path, data)
