#!/usr/bin/env python3
"""Writes a SYNTHETIC paper -> review sample in exactly the format of the PeerRead ICLR 2017 sample
(../shared/data/peerread, see its README): papers.jsonl, reviews.jsonl, sft_alpaca.jsonl, preference.jsonl and
preference_meta.jsonl.

Why synthetic: PeerRead has no explicit licence, so its texts are not committed. These papers and reviews are
composed from templates about made-up methods, so the pipeline (SFT -> ORPO -> generate -> evaluate) can be run and
tested from a fresh clone. The reviews are written in the four-criteria style the reviewer prompt asks for, with
varied headings (or none) and wording; a few leave a criterion out, as real reviews do.

Deterministic: the same seed writes the same bytes. Run it from anywhere:

    python3 examples/paper-review/data/make_sample.py
"""
import json
import os
import random

SEED = 2026
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = "synthetic: examples/paper-review/data/make_sample.py (seed 2026); not from PeerRead"

# Exactly the instruction of the PeerRead sample's sft_alpaca.jsonl and preference.jsonl.
INSTRUCTION = ("You are a professional machine learning conference reviewer who reviews a given paper and considers "
               "4 criteria: importance and novelty, potential reasons for acceptance, potential reasons for "
               "rejection, and suggestions for improvement. The given paper is as follows.")

# Ten made-up papers. Every name, number and result here is invented.
TOPICS = [
    dict(id="s01", accepted=True, name="GateMix", title="GateMix: Gated Mixing of Token Representations for "
         "Efficient Sequence Models", task="language modelling", data="WikiText-103 and PG-19", metric="perplexity",
         base="a Transformer of the same size", ours="18.4", theirs="19.1", idea="a learned gate that mixes each "
         "token with a running summary of the previous ones", cost="linear in sequence length",
         weak="the largest model has only 120M parameters", extra="a scaling study up to 1B parameters"),
    dict(id="s02", accepted=False, name="PatchDrop", title="PatchDrop: Dropping Image Patches to Regularise Vision "
         "Transformers", task="image classification", data="CIFAR-100 and a 100-class ImageNet subset",
         metric="top-1 accuracy", base="standard dropout", ours="78.2%", theirs="77.9%", idea="removing a random "
         "subset of patches from the input sequence during training", cost="cheaper than the unregularised model",
         weak="the gain over dropout is within one standard deviation", extra="results on the full ImageNet"),
    dict(id="s03", accepted=True, name="CoRA", title="CoRA: Contrastive Retrieval Augmentation for Question "
         "Answering over Long Documents", task="open-book question answering", data="two long-document QA sets",
         metric="exact match", base="BM25 retrieval", ours="47.5", theirs="41.2", idea="training the retriever with "
         "a contrastive loss on passages the reader actually used", cost="one extra encoder pass per passage",
         weak="the retriever and the reader share a vocabulary, which limits transfer", extra="a multilingual "
         "evaluation"),
    dict(id="s04", accepted=False, name="LossLens", title="LossLens: Visualising Loss Landscapes with Random "
         "Projections", task="analysis of neural network training", data="ResNet-18 on CIFAR-10",
         metric="correlation with generalisation gap", base="filter-normalised plots", ours="0.41", theirs="0.38",
         idea="averaging many random two-dimensional slices of the loss surface", cost="about 200 forward passes "
         "per slice", weak="the correlation is weak and measured on a single architecture", extra="a test on "
         "Transformers and on models that do not generalise"),
    dict(id="s05", accepted=True, name="StepWise", title="StepWise: Curriculum over Reasoning Depth for "
         "Arithmetic Word Problems", task="arithmetic reasoning", data="a grade-school maths set",
         metric="accuracy", base="training on all problems at once", ours="63.0%", theirs="55.4%",
         idea="ordering training problems by the number of operations they need", cost="no extra compute",
         weak="the depth labels come from a parser that fails on 12% of problems", extra="an analysis of the "
         "problems the parser rejects"),
    dict(id="s06", accepted=False, name="EchoNorm", title="EchoNorm: Normalising Recurrent States by Their "
         "History", task="speech recognition", data="a 100-hour read-speech corpus", metric="word error rate",
         base="layer normalisation", ours="9.8%", theirs="10.1%", idea="dividing each recurrent state by a moving "
         "average of its past norms", cost="one extra multiply per step", weak="no comparison with recent "
         "convolutional or attention models", extra="a stronger baseline and a noisy test set"),
    dict(id="s07", accepted=True, name="TabFormer", title="TabFormer: Column-Aware Attention for Tabular Data",
         task="tabular classification", data="eleven public tabular datasets", metric="mean rank",
         base="gradient-boosted trees", ours="2.1", theirs="2.6", idea="attention that treats each column as a "
         "token with its own type embedding", cost="comparable to a small MLP", weak="training is ten times "
         "slower than gradient boosting", extra="a timing table and results on larger tables"),
    dict(id="s08", accepted=False, name="QuietPrune", title="QuietPrune: Pruning Attention Heads by Output "
         "Variance", task="machine translation", data="an English-German news set", metric="BLEU",
         base="magnitude pruning", ours="26.9", theirs="26.7", idea="removing the heads whose outputs vary least "
         "across a calibration set", cost="one calibration pass", weak="only one language pair is tested and the "
         "calibration set size is not studied", extra="more language pairs and a sensitivity study"),
    dict(id="s09", accepted=True, name="MapSeg", title="MapSeg: Weakly Supervised Segmentation of Aerial Maps "
         "from Street Names", task="semantic segmentation", data="aerial tiles of four cities", metric="mean IoU",
         base="image-level weak supervision", ours="61.3", theirs="54.0", idea="using street-name labels from "
         "open map data as noisy supervision for road pixels", cost="no manual labels", weak="all four cities are "
         "in the same country", extra="a test on cities with different road layouts"),
    dict(id="s10", accepted=False, name="FedSketch", title="FedSketch: Communication-Efficient Federated "
         "Learning with Count Sketches", task="federated learning", data="a federated image benchmark with 100 "
         "clients", metric="accuracy after 200 rounds", base="federated averaging", ours="71.0%", theirs="72.3%",
         idea="sending count sketches of the model updates instead of the updates", cost="ten times less "
         "communication", weak="accuracy drops and privacy is claimed but not analysed", extra="a privacy "
         "analysis and experiments with non-identical client data"),
]


def paper(t, rnd):
    """Title, abstract and a short body in the parsed-PDF layout of the PeerRead sample (heading, newline, text)."""
    abstract = (f"We present {t['name']}, a method for {t['task']} based on {t['idea']}. Its cost is {t['cost']}. "
                f"On {t['data']}, {t['name']} reaches {t['ours']} {t['metric']}, compared with {t['theirs']} for "
                f"{t['base']}. We analyse when the method helps and release our code.")
    motivation = rnd.choice([
        f"Progress in {t['task']} has mostly come from larger models trained for longer.",
        f"Most recent work on {t['task']} changes the architecture and keeps the training recipe fixed.",
        f"Methods for {t['task']} are usually compared on small benchmarks with strong tuning.",
    ])
    intro = (f"{motivation} In this paper we ask a simpler question: can {t['idea']} give similar benefits at "
             f"little cost? We answer it with {t['name']}. Our contributions are: (1) the method, whose cost is "
             f"{t['cost']}; (2) experiments on {t['data']}; (3) an ablation of each component.")
    related = (f"Closest to our work are methods that compare against {t['base']}, which we use as the main "
               f"baseline. Unlike them, {t['name']} does not need extra labelled data.")
    method = (f"{t['name']} works in two steps. First, {t['idea']} is computed for every input. Second, the result "
              f"is added to the usual training loss with a weight lambda, which we set to "
              f"{rnd.choice(['0.1', '0.5', '1.0'])} in all experiments. The overall cost is {t['cost']}.")
    seeds = rnd.choice([3, 5])
    experiments = (f"We evaluate on {t['data']} and report {t['metric']}, averaged over {seeds} seeds. Table 1 "
                   f"shows that {t['name']} reaches {t['ours']} against {t['theirs']} for {t['base']}. Removing the "
                   f"first step loses most of the difference. Training details are in the appendix.")
    conclusion = (f"We introduced {t['name']} for {t['task']}. A limitation is that {t['weak']}. Future work "
                  f"includes {t['extra']}.")
    sections = [("1 INTRODUCTION", intro), ("2 RELATED WORK", related), ("3 METHOD", method),
                ("4 EXPERIMENTS", experiments), ("5 CONCLUSION", conclusion)]
    text = "\n\n".join(h + "\n" + body for h, body in sections)
    return abstract, text


# Review styles: four headings in several wordings, or prose. (novelty, accept, reject, suggestions) or None.
HEADINGS = [
    ("Importance and novelty:", "Potential reasons for acceptance:", "Potential reasons for rejection:",
     "Suggestions for improvement:"),
    ("Novelty", "Strengths", "Weaknesses", "Suggestions"),
    ("**Significance and originality**", "**Pros**", "**Cons**", "**Suggestions to the authors**"),
    ("1. Importance", "2. Reasons to accept", "3. Reasons to reject", "4. Suggestions"),
    None,
]


def review(t, rnd, style, leave_out):
    """One review of paper t; leave_out names a criterion this reviewer skips (or None)."""
    positive = t["accepted"]
    novelty = rnd.choice([
        f"The paper tackles {t['task']}, an important problem. Using {t['idea']} for it is, to my knowledge, new.",
        f"{t['task'].capitalize()} matters in practice, and the idea of {t['idea']} is simple and original.",
        f"The contribution is incremental: {t['idea']} has been tried for related tasks, though not for "
        f"{t['task']}.",
    ] if positive else [
        f"The problem ({t['task']}) is relevant, but the idea of {t['idea']} is close to existing work and the "
        f"novelty is limited.",
        f"I am not sure the contribution is new enough: {t['idea']} is a small change to {t['base']}.",
    ])
    accept = rnd.choice([
        f"The method is cheap ({t['cost']}) and the paper is well written.",
        f"Results on {t['data']} are consistent: {t['ours']} {t['metric']} against {t['theirs']}.",
        f"The ablation is clear and the code is released.",
    ])
    reject = rnd.choice([
        f"{t['weak'].capitalize()}.",
        f"The main concern is that {t['weak']}.",
        f"The comparison is limited to {t['base']}; stronger baselines are missing.",
    ])
    suggest = rnd.choice([
        f"The authors should add {t['extra']}.",
        f"I would like to see {t['extra']}, and the choice of lambda should be discussed.",
        f"It would be helpful to report variance over seeds and to include {t['extra']}.",
    ])
    parts = {"novelty": novelty, "accept": accept, "reject": reject, "suggestions": suggest}
    keys = ["novelty", "accept", "reject", "suggestions"]
    summary = f"This paper proposes {t['name']} for {t['task']}: {t['idea']}."
    if style is None:
        # Prose, like most ICLR 2017 reviews: the criteria in running text, in a varied order.
        order = [k for k in keys if k != leave_out]
        middle = order[1:-1]
        rnd.shuffle(middle)
        order = order[:1] + middle + order[-1:]
        # Without headings a reviewer signals each criterion in words; the openers vary (one is deliberately
        # outside review_structure's lexicon, as many real reviewers' phrasings are).
        parts["accept"] = rnd.choice(["A strength of the paper is this: ", "I like the execution. ",
                                      "On the plus side: "]) + parts["accept"]
        parts["reject"] = rnd.choice(["The main weakness: ", "My concern is the evaluation. ",
                                      "Unfortunately, there is a catch. "]) + parts["reject"]
        verdict = "Overall I lean towards acceptance." if positive else "Overall I lean towards rejection."
        return " ".join([summary] + [parts[k] for k in order] + [verdict])
    lines = [summary, ""]
    for k, heading in zip(keys, style):
        if k == leave_out:
            continue
        lines.append(heading)
        lines.append(parts[k])
        lines.append("")
    return "\n".join(lines).strip()


def main():
    rnd = random.Random(SEED)
    papers, reviews = [], []
    for t in TOPICS:
        abstract, text = paper(t, rnd)
        papers.append({"id": t["id"], "title": t["title"], "accepted": t["accepted"], "abstract": abstract,
                       "text": text, "source": SOURCE})
        n = rnd.choice([2, 3])
        for r in range(1, n + 1):
            style = rnd.choice(HEADINGS)
            leave_out = rnd.choice([None, None, None, "suggestions", "novelty"])
            rating = rnd.choice([6, 7, 8]) if t["accepted"] else rnd.choice([3, 4, 5])
            reviews.append({"paper_id": t["id"], "review_text": review(t, rnd, style, leave_out), "rating": rating,
                            "confidence": rnd.choice([2, 3, 4, 5]), "reviewer": f"Synthetic Reviewer{r}",
                            "review_title": rnd.choice(["Solid but limited", "Simple idea", "Needs more experiments",
                                                        "Clear paper", "Promising direction"]),
                            "date": f"{rnd.randint(1, 28)} Dec 2016", "source": SOURCE})

    by_id = {p["id"]: p for p in papers}

    def model_input(p):
        return f"Title: {p['title']}\n\nAbstract: {p['abstract']}\n\n{p['text']}"

    sft = [{"instruction": INSTRUCTION, "input": model_input(by_id[r["paper_id"]]), "output": r["review_text"]}
           for r in reviews]

    # chosen = the paper's highest-confidence review (ties: the longer); rejected = the chosen review of the next
    # paper in id order, wrapping round: the PeerRead sample's mismatched-review negative.
    chosen = {}
    for p in papers:
        own = [r for r in reviews if r["paper_id"] == p["id"]]
        chosen[p["id"]] = max(own, key=lambda r: (r["confidence"], len(r["review_text"])))
    ids = [p["id"] for p in papers]
    preference, meta = [], []
    for i, pid in enumerate(ids):
        other = ids[(i + 1) % len(ids)]
        c, r = chosen[pid], chosen[other]
        preference.append({"prompt": INSTRUCTION + "\n\n" + model_input(by_id[pid]), "chosen": c["review_text"],
                           "rejected": r["review_text"]})
        meta.append({"paper_id": pid, "chosen_reviewer": c["reviewer"], "chosen_confidence": c["confidence"],
                     "chosen_rating": c["rating"], "rejected_type": "mismatched_review",
                     "rejected_from_paper_id": other, "rejected_reviewer": r["reviewer"],
                     "rejected_rating": r["rating"]})

    for name, rows in [("papers.jsonl", papers), ("reviews.jsonl", reviews), ("sft_alpaca.jsonl", sft),
                       ("preference.jsonl", preference), ("preference_meta.jsonl", meta)]:
        with open(os.path.join(HERE, name), "w", encoding="utf-8", newline="\n") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
