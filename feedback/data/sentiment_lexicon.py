"""Customer-feedback vocabulary the general lexicons lack, on VADER's -4..+4 scale.

General lexicons are built from tweets, news and film reviews; they have no opinion on
"crashes", "laggy", "refund" or "no one responds", which is most of what an unhappy customer
writes. Values are set by analogy with VADER's own ratings of similar words (e.g. "broken"
-2.1, "useless" -1.8, "great" 3.1), not fitted to any evaluation set.
"""

from __future__ import annotations

import itertools
import re

from vaderSentiment.vaderSentiment import B_DECR, B_INCR, BOOSTER_DICT, NEGATE

# Single words; these replace both lexicons' opinion of the same word.
FEEDBACK_WORDS: dict[str, float] = {
    # reliability
    "crash": -2.0,
    "crashes": -2.0,
    "crashed": -2.0,
    "crashing": -2.2,
    "bug": -1.5,
    "bugs": -1.5,
    "buggy": -2.2,
    "glitch": -1.5,
    "glitches": -1.5,
    "glitchy": -2.0,
    "flaky": -1.8,
    "unreliable": -2.2,
    "unstable": -1.8,
    "outage": -2.0,
    "outages": -2.0,
    "downtime": -1.6,
    "unusable": -2.8,
    "defective": -2.3,
    "faulty": -2.2,
    "malfunction": -2.0,
    "malfunctioned": -2.0,
    "malfunctions": -2.0,
    "freezes": -1.8,
    "froze": -1.8,
    "freezing": -1.5,
    "broke": -1.8,
    "breaks": -1.6,
    "broken": -2.1,
    "dead": -1.5,
    "works": 0.8,
    "issue": -0.9,
    "issues": -0.9,
    "error": -1.4,
    "errors": -1.4,
    # performance
    "slow": -1.5,
    "slower": -1.2,
    "sluggish": -1.8,
    "laggy": -2.0,
    "lag": -1.4,
    "lags": -1.6,
    "lagging": -1.6,
    "unresponsive": -2.0,
    "timeout": -1.4,
    "timeouts": -1.5,
    "fast": 1.3,
    "faster": 1.2,
    "speedy": 1.6,
    "snappy": 1.8,
    "quick": 1.0,
    "quickly": 0.8,
    "promptly": 1.3,
    "instantly": 0.8,
    # money
    "refund": -1.2,
    "refunds": -1.0,
    "overpriced": -2.0,
    "overcharged": -2.3,
    "overcharging": -2.2,
    "pricey": -1.0,
    "expensive": -1.2,
    "affordable": 1.5,
    "cheaply": -1.5,
    "rip-off": -2.8,
    "ripoff": -2.8,
    "scam": -2.8,
    # effort and usability
    "hassle": -1.8,
    "nightmare": -2.8,
    "clunky": -1.8,
    "cumbersome": -1.8,
    "confusing": -1.5,
    "convoluted": -1.8,
    "unintuitive": -1.8,
    "tedious": -1.5,
    "frustrating": -2.0,
    "annoying": -1.7,
    "painful": -1.9,
    "awkward": -1.2,
    "flimsy": -1.8,
    "mediocre": -1.5,
    "subpar": -2.0,
    "lacking": -1.0,
    "lacks": -1.0,
    "nonexistent": -2.0,
    "non-existent": -2.0,
    "disappointment": -2.2,
    "seamless": 2.2,
    "seamlessly": 2.0,
    "intuitive": 2.0,
    "effortless": 2.0,
    "painless": 1.8,
    "user-friendly": 2.0,
    "smooth": 1.5,
    "smoothly": 1.5,
    "reliable": 1.8,
    "reliably": 1.5,
    "stable": 1.2,
    "sturdy": 1.5,
    "durable": 1.5,
    "handy": 1.5,
    "convenient": 1.6,
    "flawless": 2.6,
    "flawlessly": 2.5,
    "lifesaver": 2.8,
    "life-saver": 2.8,
    "timesaver": 2.0,
    "accurate": 1.2,
    "knowledgeable": 1.6,
    "responsive": 1.5,
    "polished": 1.5,
    "versatile": 1.5,
    # physical products: what goes wrong with things people buy, and what pleases
    "junk": -2.3,
    "junky": -2.3,
    "garbage": -2.4,
    "leaks": -1.5,
    "leaky": -1.6,
    "leaking": -1.5,
    "cracked": -1.4,
    "ripped": -1.3,
    "scratched": -1.2,
    "rusted": -1.4,
    "rusty": -1.3,
    "peeling": -1.0,
    "faded": -0.9,
    "shrank": -1.2,
    "shrunk": -1.2,
    "wobbly": -1.4,
    "bulky": -0.8,
    "comfy": 2.0,
    "lightweight": 0.8,
    "inexpensive": 1.0,
    "fits": 0.8,  # like "works": it fits is a small pass
    # "cheap" is ambiguous ("cheap price" vs "feels cheap"); in reviews of things it more often
    # means shoddy, and pattern's +0.4 reads it as praise. Mildly negative; price phrases below.
    "cheap": -0.6,
    # nouns of the trade that VADER reads as praise ("support" +1.7 in "support is awful")
    "excel": 0.0,
    "please": 0.0,  # "please add SSO" is a request, not praise
    "support": 0.0,
    "supports": 0.0,
    "supported": 0.0,
    # cancellation and churn
    "cancel": -1.0,
    "cancelled": -1.0,
    "canceled": -1.0,
    "cancelling": -1.2,
    "canceling": -1.2,
    "unsubscribe": -1.0,
}

# (pattern, valence, negatable). {a,b} expands to alternatives; a token ending in n't also
# matches its "nt" and two-word spellings. Non-negatable phrases already carry their negation.
PHRASE_SPECS: list[tuple[str, float, bool]] = [
    # it does not work
    ("{doesn't,didn't,don't,won't,can't,couldn't} {work,function}", -2.2, False),
    ("{doesn't,didn't,don't} {work,function} {properly,correctly,right,well}", -2.0, False),
    ("{not,never,no longer,stopped,stop,stops,quit} {working,functioning}", -2.3, False),
    ("no longer {works,work,functions}", -2.3, False),
    (
        "{won't,can't,couldn't,doesn't,didn't} {load,connect,sync,open,start,charge,install,"
        "update,save,log in,login,turn on}",
        -2.0,
        False,
    ),
    (
        "{stopped,stops,keeps,kept} {crashing,freezing,failing,breaking,disconnecting,"
        "responding,syncing,charging,loading}",
        -2.3,
        False,
    ),
    ("{fell,falls,falling,came,comes} apart", -2.4, False),
    ("{is,was,were,are,been,goes,keeps going} down", -1.3, False),
    ("{takes,took,taking} forever", -2.0, False),
    ("{poorly,badly,cheaply} {made,built,designed,written,documented}", -2.2, False),
    ("{well,beautifully,nicely} {made,built,designed,documented,thought out,worth}", 2.0, True),
    # money
    ("waste of {money,time}", -2.8, True),
    ("{a,complete,total} waste", -2.6, True),
    ("piece of {junk,crap,garbage,trash,shit}", -3.0, False),
    ("{save,keep} your money", -2.3, False),
    ("{don't,do not,never} waste your {money,time}", -2.6, False),  # not a negated "waste"
    (
        "{cheap,cheaper,low,lower,fair,reasonable} {price,prices,priced}",
        1.2,
        True,
    ),
    ("{high,higher,top,superior} quality", 1.8, True),
    ("{low,lower,inferior,questionable} quality", -2.0, False),
    ("{exactly,just} as {described,pictured,advertised,shown}", 1.8, False),
    ("worth {every penny,the money,the price,it,every cent}", 2.2, True),
    ("money back", -1.2, False),
    ("{returned,returning,return} {it,this,them,mine}", -1.5, False),
    ("{sent,send,sending} {it,this,them} back", -1.8, False),
    ("{not,never} as {described,advertised,pictured,promised}", -2.0, False),
    ("{hidden,surprise,unexpected} {fees,fee,charges,charge}", -2.0, False),
    # nobody answers
    (
        "{never,rarely,seldom} {answers,answer,answered,responds,respond,responded,replies,reply,"
        "replied,gets back,got back,calls back,called back,follows up,followed up}",
        -2.3,
        False,
    ),
    (
        "{no one,nobody,noone} {answers,answered,responds,responded,replies,replied,helps,helped,"
        "called back,got back,gets back,cares,seems to care,knows}",
        -2.3,
        False,
    ),
    ("{no,zero} {response,reply,answer,follow-up,followup,callback}", -1.8, False),
    ("on hold for", -1.5, False),
    ("{still,yet} to {hear,receive,get}", -1.5, False),
    (
        "{responsive,helpful,fast,quick,prompt,speedy,great,excellent,amazing} "
        "{support,support team,customer service,customer support,response,responses,reply,replies,"
        "turnaround,shipping,delivery}",
        2.2,
        True,
    ),
    # praise
    (
        "{works,worked,working,work} {great,perfectly,flawlessly,beautifully,wonderfully,"
        "like a charm,as expected,as advertised,as described,as promised,as intended}",
        2.3,
        True,
    ),
    ("{works,worked,working,work} {well,fine,nicely,smoothly}", 1.8, True),
    (
        "{easy,simple,painless,intuitive,quick} to {use,set up,setup,install,learn,navigate,"
        "understand,configure,integrate,clean,read,get started}",
        2.0,
        True,
    ),
    (
        "{hard,difficult,impossible,confusing,painful} to {use,set up,setup,install,learn,navigate,"
        "understand,configure,integrate,clean,read,find,reach,cancel,get started}",
        -1.8,
        True,
    ),
    ("no way to", -1.2, False),
    (
        "{no,zero,not any,never had any,never had a,never had an,never had,without any,"
        "not a single,not one,free of} "
        "{issues,issue,problems,problem,complaints,complaint,bugs,glitches,downtime,hiccups,hiccup,errors,crashes,trouble,hassle,hassles}",
        1.8,
        False,
    ),
    ("{can't,couldn't} {complain,fault it}", 1.6, False),
    ("no regrets", 1.8, False),
    ("{can't,couldn't} {live,work,do} without", 2.6, False),
    ("{can't,cannot} imagine {working,life,living} without", 2.6, False),
    ("{exceeded,exceeds,surpassed} {my,our,all} expectations", 2.8, True),
    ("{does,did} the {job,trick}", 1.6, True),
    ("{gets,got} the job done", 1.6, True),
    ("{game changer,game-changer,time saver,time-saver,life saver}", 2.5, True),
    (
        "{saves,saved,saving} {us,me,them,you} "
        "{time,hours,so much time,a lot of time,a ton of time}",
        2.2,
        True,
    ),
    ("{would,will,definitely,happily} {buy,order,purchase} {again,another}", 2.2, True),
    ("{would,will,definitely,highly} recommend", 2.0, True),
    (
        "{wouldn't,won't,would never,will never,never} {buy,order,purchase} {again,another}",
        -2.3,
        False,
    ),
    ("{could,should,could've,should've} {be,have been} better", -1.2, False),
    ("{expected,expecting,hoped for,hoping for} {more,better}", -1.5, False),
    ("{not,isn't,wasn't} what {i,we} {expected,wanted,ordered,paid for}", -1.6, False),
    # "can't recommend it enough" is the opposite of "can't recommend it": listed first
    (
        "{can't,cannot,couldn't} {recommend,praise} {it,this,them,this product,this app,"
        "this company,this team,it highly,them highly} enough",
        3.0,
        False,
    ),
    ("{can't,cannot,couldn't} say enough {good,great,nice,positive} things", 2.8, False),
    ("{wouldn't,won't,can't,couldn't,don't,do not} recommend", -2.3, False),
    ("{don't,do not,never} {buy,bother}", -2.3, False),
    ("stay away", -2.3, False),
    ("{five,5} stars", 2.8, True),
    ("{one,1,zero,0} {star,stars}", -2.6, False),
    ("{fixed,resolved,solved,sorted} {it,my issue,the issue,the problem,my problem}", 1.5, True),
    ("{up,running} and running", 0.8, True),
    # reviews' idioms
    (
        "{does,do,did} {exactly,just,precisely} what {i,we,you} {need,needed,want,wanted,"
        "expect,expected,asked for}",
        2.2,
        True,
    ),
    ("exactly what {i,we} {need,needed,want,wanted,was looking for,were looking for}", 2.2, True),
    ("{does,do,did} what it {says,said,claims,promises} {on the tin,it does,it will}", 1.8, True),
    ("{does,do,did} what it {says,said,claims,promises,should}", 1.6, True),
    ("{can't,cannot,couldn't} beat {it,that,this,the price,the value}", 2.0, False),
    (
        "{lives,live,lived,living} up to {the hype,expectations,its promise,the reviews,"
        "its name,its reputation}",
        2.0,
        True,
    ),
    ("{is,was,are,were} a {joke,scam,rip-off,ripoff,rip off,con}", -2.3, False),
    ("save yourself the {trouble,hassle,headache,money}", -2.0, False),
    ("had high hopes", -1.2, False),
    (
        "{not,isn't,wasn't,aren't,weren't} as {good,great,nice,fast,easy,reliable,sturdy,"
        "well made,useful} as",
        -1.6,
        False,
    ),
    ("nothing wrong with {it,them,this,that}", 1.2, False),
    ("barely {works,work,worked,working,functions,usable,holds up,lasted,lasts}", -1.6, False),
    ("just {ok,okay}", 0.3, False),
    ("{fit,sizing,size,color,colour,timing,calibration} {is,was} off", -1.4, False),
    (
        "{could not,couldn't,can't,cannot} be {happier,more satisfied,more pleased,more happy}",
        3.0,
        False,
    ),
    (
        "{exceeded,exceeds,exceeding,surpassed,surpasses,beat,beats} {expectations,"
        "every expectation}",
        2.8,
        False,
    ),
    ("{fell,falls,fall,falling} short", -1.8, False),
    ("{won't,will not,wouldn't,would not,don't,do not,never} regret", 2.0, False),
    ("you get what you pay for", -1.2, False),
    ("skip this one", -1.8, False),
    (
        "{wish,wished} {i,we} had {bought,found,got,gotten,ordered,discovered,"
        "switched} {this,it,them} sooner",
        2.5,
        False,
    ),
    ("{i,we} {wish,wished} {it,they,there,the,this,that,you}", -0.8, False),
    # a wish dressed as praise: "would be great if it worked"
    (
        "{would be,would've been,would have been} {great,perfect,nice,awesome,good,"
        "amazing,excellent,fantastic,ideal,better} if",
        -1.6,
        False,
    ),
    (
        "until it {doesn't,didn't,stops,stopped,breaks,broke,dies,died,fails,failed,"
        "crashes,crashed}",
        -3.0,
        False,
    ),
    ("{great,good,nice,cool,neat,brilliant,interesting} {idea,concept}", 0.8, True),
    ("{poor,bad,terrible,awful,lousy,sloppy,weak} execution", -2.5, False),
    (
        "{scratches,breaks,cracks,dents,stains,tears,rips,bends,chips,snaps,overheats,"
        "drains} easily",
        -2.0,
        False,
    ),
    (
        "{doesn't,does not,won't,will not,didn't,did not} hold {a charge,charge,its charge}",
        -2.2,
        False,
    ),
    ("{holds,hold,held,holding} up {well,great,nicely}", 1.8, True),
    ("{two,2} stars", -1.5, False),
    ("{four,4} stars", 1.8, False),
    # limiters: praise with its ceiling named ("average at best", "does the job, nothing more")
    ("at best", -1.2, False),
    ("nothing more to {ask for,wish for,want}", 2.0, False),  # before "nothing more" below
    (
        "{couldn't,could not,can't,cannot} ask for {more,anything more,anything better,better}",
        2.2,
        False,
    ),
    (
        "nothing {more,special,great,fancy,spectacular,amazing,exceptional,extraordinary,"
        "impressive,exciting,remarkable,outstanding,groundbreaking,new}",
        -0.5,
        False,
    ),
    ("nothing to write home about", -1.2, False),
    ("{fine,ok,okay,good,decent,alright,all right} i {guess,suppose}", 0.3, False),
    (
        "{has,have,had,with,there are,there were} {gaps,holes,shortcomings,limitations,flaws}",
        -1.0,
        False,
    ),
]

NEGATORS: frozenset[str] = frozenset(NEGATE) | {"nobody", "noone", "neither"} - {
    "despite"  # "despite the price, I love it" is not a negation of "love"
}

# Degree adverbs: VADER's list plus those common in reviews.
BOOSTERS: dict[str, float] = {
    **{k: v for k, v in BOOSTER_DICT.items() if " " not in k},
    "too": B_INCR,
    "way": B_INCR,
    "super": B_INCR,
    "insanely": B_INCR,
    "ridiculously": B_INCR,
    "seriously": B_INCR,
    "truly": B_INCR,
    "terribly": B_INCR,
    "horribly": B_INCR,
    "constantly": B_INCR,
    "bit": B_DECR,
    "fairly": B_DECR,
    "mostly": B_DECR,
    "reasonably": B_DECR,
    "mildly": B_DECR,
    "relatively": B_DECR,
}

# Opinion words in the lexicon that act as intensifiers when an opinion word follows them.
SOFT_BOOSTERS: frozenset[str] = frozenset({"pretty", "super", "real", "damn", "mighty"})

# After a complaint these make it worse: "crashes constantly", "breaks all the time".
FREQUENCY_ADVERBS: frozenset[str] = frozenset(
    {"constantly", "always", "frequently", "repeatedly", "often", "daily", "again", "regularly"}
)

# "like" is a liking only after a subject or an auxiliary ("I like", "really like");
# otherwise it is a preposition ("feels like plastic").
LIKE_VERB_CUES: frozenset[str] = frozenset(
    {
        "i",
        "we",
        "you",
        "they",
        "he",
        "she",
        "really",
        "do",
        "does",
        "did",
        "would",
        "i'd",
        "we'd",
        "definitely",
        "also",
        "just",
        "totally",
        "truly",
        "kinda",
        "actually",
        "still",
        "don't",
        "didn't",
        "doesn't",
        "dont",
        "didnt",
        "doesnt",
        "not",
        "to",
        "particularly",
        "especially",
        "much",
        "kids",
        "people",
        "customers",
        "users",
        "team",
        "everyone",
    }
)

_BRACE = re.compile(r"\{([^{}]*)\}")
_IRREGULAR = {
    "can't": ("cannot", "can not"),
    "won't": ("will not",),
    "don't": ("do not",),
    "ain't": ("is not",),
}


def _spellings(token: str) -> list[str]:
    """ "doesn't" -> doesn't, doesnt, does not: customers type all three."""
    if not token.endswith("n't"):
        return [token]
    forms = [token, token.replace("'", "")]
    forms.extend(_IRREGULAR.get(token, (token[:-3] + " not",)))
    return forms


def expand_phrase(pattern: str) -> list[tuple[str, ...]]:
    """All token sequences a phrase pattern stands for."""
    pieces: list[list[str]] = []
    pos = 0
    for m in _BRACE.finditer(pattern):
        pieces.append([pattern[pos : m.start()]])
        pieces.append(m.group(1).split(","))
        pos = m.end()
    pieces.append([pattern[pos:]])
    result: list[tuple[str, ...]] = []
    for combo in itertools.product(*pieces):
        words = "".join(combo).split()
        for variant in itertools.product(*(_spellings(w) for w in words)):
            tokens = tuple(" ".join(variant).split())
            if tokens and tokens not in result:
                result.append(tokens)
    return result
