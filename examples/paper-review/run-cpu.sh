#!/usr/bin/env bash
# The paper-review pipeline end to end on CPU, with the real pretrained stories260K:
#   1. SFT (LoRA, YaRN 512 -> 1024) on paper -> review pairs           cpu/sft.yaml
#   2. ORPO from the SFT model on (paper, its review, another paper's review)  cpu/orpo.yaml
#   3. serve a stand-in judge over HTTP (OpenAI-compatible)             longtune serve
#   4. evaluate the ORPO model on the held-out paper: rouge, bleu, review_structure, judge vs reference
#                                                                        cpu/eval.yaml
#
#   examples/paper-review/run-cpu.sh                  # the committed synthetic sample (data/)
#   PEERREAD=real examples/paper-review/run-cpu.sh    # the PeerRead sample in ../shared/data/peerread
#
# Environment:
#   LONGTUNE        the launcher (default: distribution/target/longtune/bin/longtune of this checkout, or bin/longtune
#                   when the script runs from an assembled distribution's examples/)
#   RUNS            where the four runs go (default: runs/paper-review-cpu of this checkout)
#   PEERREAD        "real" for ../shared/data/peerread (PEERREAD_DIR to point elsewhere); default: synthetic
#   JUDGE_BASE_URL, JUDGE_MODEL [, JUDGE_API_KEY_ENV]
#                   a real judge (any OpenAI-compatible endpoint) instead of the stand-in; JUDGE_API_KEY_ENV names
#                   the variable holding its key, the key itself is never passed on a command line
# Works from any directory. The server is stopped on exit, also on failure or Ctrl-C.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# From a source checkout the launcher is the assembled distribution's; inside a distribution it is bin/longtune.
if [ -z "${LONGTUNE:-}" ] && [ -x "$ROOT/bin/longtune" ]; then
    LONGTUNE="$ROOT/bin/longtune"
fi
L="${LONGTUNE:-$ROOT/distribution/target/longtune/bin/longtune}"
RUNS="${RUNS:-$ROOT/runs/paper-review-cpu}"

if [ ! -x "$L" ]; then
    echo "error: no Longtune launcher at $L; build it (./mvnw -B -q install -DskipTests) or set LONGTUNE" >&2
    exit 1
fi
mkdir -p "$RUNS"
RUNS="$(cd "$RUNS" && pwd)"

# --- data -----------------------------------------------------------------------------------------------------
if [ "${PEERREAD:-synthetic}" = "real" ]; then
    DATA="${PEERREAD_DIR:-$ROOT/../shared/data/peerread}"
    if [ ! -f "$DATA/sft_alpaca.jsonl" ] || [ ! -f "$DATA/preference.jsonl" ]; then
        echo "error: PEERREAD=real needs sft_alpaca.jsonl and preference.jsonl in $DATA (set PEERREAD_DIR)" >&2
        exit 1
    fi
    DATA="$(cd "$DATA" && pwd)"
    cat <<'NOTE'
note: PEERREAD=real trains on the PeerRead ICLR 2017 sample (no explicit licence: research use only). Its papers are
      21K-33K characters, about 13K-21K tokens with stories260K's 512-piece tokenizer, and data.max_prompt_length
      is 600: every prompt keeps its first 300 tokens (instruction, title, abstract) and its last 300 (the end of the
      appendix and "### Response:") - the paper is cut out of the middle. The run exercises the path, not the task.
NOTE
else
    DATA="$HERE/data"
fi
SFT_DATA=(--set "data.train=$DATA/sft_alpaca.jsonl")
PREF_DATA=(--set "data.train=$DATA/preference.jsonl")

# --- 1. SFT, 2. ORPO ------------------------------------------------------------------------------------------
"$L" run "$HERE/cpu/sft.yaml" --set "output=$RUNS/sft" "${SFT_DATA[@]}"
"$L" run "$HERE/cpu/orpo.yaml" --set "output=$RUNS/orpo" --set "model.path=$RUNS/sft/model" "${PREF_DATA[@]}"

# --- 3. the judge -----------------------------------------------------------------------------------------------
SERVER_PID=""
stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM

JUDGE_SET=()
if [ -n "${JUDGE_BASE_URL:-}" ]; then
    JUDGE_SET=(--set "evaluation[3].base_url=$JUDGE_BASE_URL"
               --set "evaluation[3].model=${JUDGE_MODEL:?set JUDGE_MODEL too}"
               --set "evaluation[3].max_tokens=2048")
    if [ -n "${JUDGE_API_KEY_ENV:-}" ]; then
        JUDGE_SET+=(--set "evaluation[3].api_key_env=$JUDGE_API_KEY_ENV")
    fi
elif [ "${PEERREAD:-synthetic}" = "real" ]; then
    # A whole PeerRead paper plus two reviews is ~20K tokens: more than any stories260K can attend over on a CPU.
    echo "note: no judge for PEERREAD=real without JUDGE_BASE_URL/JUDGE_MODEL (the stand-in cannot read whole papers)"
    JUDGE_SET=(--set "evaluation=[{type: rouge, max_records: 3}, {type: bleu, max_records: 3},
                                  {type: review_structure, max_records: 3}]")
else
    # The stand-in judge: stories260K with YaRN x8 in its config.json (4096 positions: a synthetic paper and two
    # reviews fit), the rope_scaling an extended run exports. Weights and tokenizer are the committed ones.
    JUDGE_MODEL_DIR="$RUNS/judge-model"
    mkdir -p "$JUDGE_MODEL_DIR"
    BASE="$ROOT/examples/models/stories260K"
    cp "$BASE/model.safetensors" "$BASE/tokenizer.json" "$BASE/tokenizer_config.json" "$JUDGE_MODEL_DIR/"
    ROPE='"rope_scaling": {"rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 512},'
    sed "s/\"max_position_embeddings\": 512,/\"max_position_embeddings\": 4096,\n  $ROPE/" \
        "$BASE/config.json" > "$JUDGE_MODEL_DIR/config.json"
    if ! grep -q '"rope_scaling"' "$JUDGE_MODEL_DIR/config.json"; then
        echo "error: could not add rope_scaling to $JUDGE_MODEL_DIR/config.json (has $BASE/config.json changed?)" >&2
        exit 1
    fi

    SERVE_LOG="$RUNS/serve.log"
    "$L" serve --model "$JUDGE_MODEL_DIR" --model-name judge --port 0 > "$SERVE_LOG" 2>&1 &
    SERVER_PID=$!
    URL=""
    for _ in $(seq 1 240); do  # up to 120 s: start-up loads the engine and the model
        URL="$(sed -n 's#^Serving .* on \(http://[^ ]*/v1\)$#\1#p' "$SERVE_LOG" | head -n 1)"
        if [ -n "$URL" ]; then
            break
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "error: longtune serve exited before it listened; its output:" >&2
            cat "$SERVE_LOG" >&2
            exit 1
        fi
        sleep 0.5
    done
    if [ -z "$URL" ]; then
        echo "error: longtune serve did not print 'Serving <name> on http://<host>:<port>/v1' within 120 s;" \
             "see $SERVE_LOG" >&2
        exit 1
    fi
    echo "judge stand-in: $URL"
    JUDGE_SET=(--set "evaluation[3].base_url=$URL")
fi

# --- 4. evaluate ------------------------------------------------------------------------------------------------
rm -rf "$RUNS/eval"
"$L" eval "$HERE/cpu/eval.yaml" --model "$RUNS/orpo/model" --output "$RUNS/eval" "${SFT_DATA[@]}" "${JUDGE_SET[@]}"

echo
echo "SFT:  $RUNS/sft/report.md"
echo "ORPO: $RUNS/orpo/report.md"
echo "Eval: $RUNS/eval/report.md  (tables in $RUNS/eval/eval/)"
