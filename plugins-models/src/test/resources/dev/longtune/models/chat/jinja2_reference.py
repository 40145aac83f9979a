"""Reference renders of the shared Hub chat templates by Python Jinja2, for ChatJinja2ReferenceTest.

The environment is transformers' chat-template sandbox (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks,
loopcontrols, the {% generation %} tag, its tojson / raise_exception / strftime_now), strftime_now fixed at
2025-03-05 10:15. Regenerate from the project root (needs `pip install jinja2`):

    python3 plugins-models/src/test/resources/dev/longtune/models/chat/jinja2_reference.py \
        ../shared/models/llama.cpp-vocab-fixtures/templates \
        plugins-models/src/test/resources/dev/longtune/models/chat/jinja2-reference.json
"""
import json, sys, os, glob
from datetime import datetime
import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.ext import Extension
from jinja2 import nodes

class AssistantTracker(Extension):
    tags = {"generation"}
    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)
    def _render(self, caller):
        return caller()

def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)
def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
FIXED = datetime(2025, 3, 5, 10, 15)
def strftime_now(fmt):
    return FIXED.strftime(fmt)

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[AssistantTracker, jinja2.ext.loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = strftime_now

CASES = {
  "plain": ([{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},{"role":"user","content":"Bye"}], True),
  "system": ([{"role":"system","content":"S"},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},{"role":"user","content":"Bye"}], True),
  "nogen": ([{"role":"system","content":"Be brief."},{"role":"user","content":" What is 2+2? "}], False),
}
CASES["tools"] = CASES["system"]
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "days": {"type": "integer"}}, "required": ["city"]}}}]
out = {}
for f in sorted(glob.glob(sys.argv[1] + "/*.jinja")):
    name = os.path.basename(f)
    src = open(f).read()
    res = {}
    for case, (msgs, gen) in CASES.items():
        try:
            t = env.from_string(src)
            extra = dict(tools=TOOLS, functions="[]", datetime="2025-03-05") if case == "tools" else dict(tools=None)
            res[case] = {"ok": t.render(messages=msgs, documents=None, add_generation_prompt=gen, bos_token="<s>", eos_token="</s>", **extra)}
        except Exception as e:
            res[case] = {"error": type(e).__name__ + ": " + str(e)}
    out[name] = res
json.dump({"generator": "jinja2 " + jinja2.__version__, "templates": out}, open(sys.argv[2], "w"), indent=1, ensure_ascii=False)
print(len(out))
