"""Random templates mixing text, tags, comments and expressions with every whitespace-control sign, rendered by
Python Jinja2 with transformers' settings (trim_blocks, lstrip_blocks), for Jinja2WhitespaceTest. Regenerate from the
project root (needs `pip install jinja2`):

    python3 plugins-models/src/test/resources/dev/longtune/models/chat/jinja2_whitespace_reference.py \
        plugins-models/src/test/resources/dev/longtune/models/chat/jinja2-whitespace-reference.json
"""
import json, random, sys
import jinja2, jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
random.seed(20261123)
TEXTS = ["", " ", "  ", "\t", "\n", "\n  ", " \n", "a", "a ", " b", "{", "}", "x\n\n", "\r\n", "\n\t ",
         "[assistant] ", "\u00a0"]

def sign():
    return random.choice(["", "", "-", "+"])

def vsign():
    return random.choice(["", "", "-"])

def piece(depth):
    r = random.random()
    if r < 0.3 or depth > 2:
        return random.choice(TEXTS)
    if r < 0.45:
        return "{{%s 'v' %s}}" % (vsign(), vsign())
    if r < 0.6:
        return "{#%s c %s#}" % (sign(), sign())
    if r < 0.75:
        return "{%%%s set q = 1 %s%%}" % (sign(), sign())
    s = "{%%%s if %s %s%%}" % (sign(), random.choice(["true", "false"]), sign())
    s += "".join(piece(depth + 1) for _ in range(random.randint(0, 4)))
    if random.random() < 0.5:
        s += "{%%%s else %s%%}" % (sign(), sign()) + "".join(piece(depth + 1) for _ in range(random.randint(0, 3)))
    return s + "{%%%s endif %s%%}" % (sign(), sign())

cases, seen = [], set()
while len(cases) < 400:
    t = "".join(piece(0) for _ in range(random.randint(1, 6)))
    if t in seen:
        continue
    seen.add(t)
    try:
        cases.append({"template": t, "jinja2": env.from_string(t).render()})
    except jinja2.TemplateSyntaxError:
        pass  # e.g. "{" + "{{ 'v' }}" reads "{{{", a dict literal
json.dump({"generator": "jinja2 " + jinja2.__version__, "cases": cases}, open(sys.argv[1], "w"), indent=0,
          ensure_ascii=False)
print(len(cases))
