package dev.longtune.training;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import java.util.ArrayList;
import java.util.List;

/** Forty-eight short TinyStories-like Alpaca records (the vocabulary stories260K was trained on). */
public final class StoryData {

    private static final String[][] ROWS = {
        {"Tell me about Lily.", "Lily was a little girl. She liked to play in the park with her ball."},
        {"Tell me about Tom.", "Tom was a big boy. He liked to run fast and jump high."},
        {"Tell me about the cat.", "The cat was soft and white. It liked to sleep in the sun."},
        {"Tell me about the dog.", "The dog was happy. It wagged its tail and barked at the bird."},
        {"Tell me about the bird.", "The bird was small and blue. It sang a song in the tree."},
        {"Tell me about the sun.", "The sun was hot and bright. It made everyone feel warm."},
        {"Tell me about the ball.", "The ball was red and round. Lily threw it to Tom."},
        {"Tell me about the tree.", "The tree was tall and green. Birds lived in its branches."},
        {"Tell me about Ben.", "Ben was a kind boy. He shared his toys with his friends."},
        {"Tell me about Sue.", "Sue liked to draw. She drew a big house with a red door."},
        {"Tell me about the fish.", "The fish swam in the pond. It was orange and shiny."},
        {"Tell me about the rain.", "The rain fell on the roof. Tim watched it from the window."},
        {"Tell me about the car.", "The car was fast and blue. Dad drove it to the store."},
        {"Tell me about Mom.", "Mom made a cake. It was sweet and everyone was happy."},
        {"Tell me about the frog.", "The frog jumped into the water. It said ribbit and swam away."},
        {"Tell me about the bear.", "The bear was big and brown. It liked to eat honey."},
        {"Tell me about the boat.", "The boat sailed on the lake. Tom and Lily waved at the ducks."},
        {"Tell me about the moon.", "The moon was bright at night. Lily said good night to it."},
        {"Tell me about the toy.", "The toy was a little train. Ben played with it every day."},
        {"Tell me about the park.", "The park had a big slide. The kids laughed and played."},
        {"Tell me about Max.", "Max was a funny dog. He liked to chase his tail."},
        {"Tell me about the flower.", "The flower was pink and pretty. Sue gave it to her mom."},
        {"Tell me about the box.", "The box was big. Inside it there was a teddy bear."},
        {"Tell me about the girl.", "The girl found a shiny stone. She kept it in her pocket."},
        {"Tell me about the boy.", "The boy lost his hat. His friend helped him find it."},
        {"Tell me about the duck.", "The duck said quack. It walked to the pond with its babies."},
        {"Tell me about the snow.", "The snow was cold and white. Tim made a snowman."},
        {"Tell me about the cookie.", "The cookie was warm. Lily ate it and smiled."},
        {"Tell me about the kite.", "The kite flew high in the sky. Tom held the string tight."},
        {"Tell me about the bunny.", "The bunny hopped in the garden. It ate a carrot."},
        {"Tell me about the farm.", "The farm had cows and pigs. The farmer fed them every day."},
        {"Tell me about the star.", "The star was small and bright. It twinkled in the sky."},
        {"Tell me about Anna.", "Anna had a red dress. She wore it to the party."},
        {"Tell me about the bug.", "The bug was tiny. It crawled on a big green leaf."},
        {"Tell me about the truck.", "The truck was loud. It carried rocks up the hill."},
        {"Tell me about the hat.", "The hat was blue with a yellow star. Ben liked it a lot."},
        {"Tell me about the cup.", "The cup was full of milk. Lily drank it all."},
        {"Tell me about the shoe.", "The shoe was too big. Tom laughed and took it off."},
        {"Tell me about the lion.", "The lion was strong. It had a big loud roar."},
        {"Tell me about the owl.", "The owl was wise. It sat in the tree and said hoo."},
        {"Tell me about the pig.", "The pig liked the mud. It rolled in it all day."},
        {"Tell me about the book.", "The book had many pictures. Mom read it to Lily at night."},
        {"Tell me about the cake.", "The cake had candles. Everyone sang a happy song."},
        {"Tell me about the rock.", "The rock was hard and gray. Tim sat on it to rest."},
        {"Tell me about Jack.", "Jack was brave. He climbed the tall tree to save the cat."},
        {"Tell me about the bee.", "The bee was busy. It flew from flower to flower."},
        {"Tell me about the sea.", "The sea was big and blue. The waves came to the sand."},
        {"Tell me about the bed.", "The bed was soft. Lily went to sleep and had a nice dream."},
    };

    private StoryData() {}

    /** Records {@code from} (inclusive) to {@code to} (exclusive) as Alpaca rows of {@code stories.jsonl}. */
    public static List<DataRecord> records(int from, int to) {
        List<DataRecord> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            ObjectNode n = JsonNodeFactory.instance.objectNode();
            n.put("instruction", ROWS[i][0]);
            n.put("input", "");
            n.put("output", ROWS[i][1]);
            out.add(new DataRecord("stories.jsonl", i + 1, n));
        }
        return out;
    }

    public static int size() {
        return ROWS.length;
    }
}
