package dev.sparrow.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsEveryWritableDtypeEmptyTensorsScalarsAndMetadata() throws IOException {
        long seed = 42;
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] f = new float[12];
        for (int i = 0; i < f.length; i++) f[i] = (float) rnd.nextGaussian();
        f[0] = Float.NaN;
        f[1] = -0f;
        f[2] = Float.NEGATIVE_INFINITY;
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("weights", TensorData.f32(f, 3, 4));
        tensors.put("doubles", TensorData.f64(new double[] {Math.PI, -1e-300}, 2));
        tensors.put("longs", TensorData.i64(new long[] {Long.MIN_VALUE, -1, Long.MAX_VALUE}, 3));
        tensors.put("ints", TensorData.i32(new int[] {Integer.MIN_VALUE, 7}, 1, 2));
        tensors.put("bytes", TensorData.u8(new byte[] {0, 1, (byte) 255}, 3));
        tensors.put("empty", TensorData.f32(new float[0], 0));
        tensors.put("empty2d", TensorData.i64(new long[0], 3, 0));
        tensors.put("scalar", TensorData.f32(new float[] {2.5f}));
        tensors.put("ünïcode name \"quoted\"", TensorData.u8(new byte[] {9}, 1));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("config", "{\"lr\": 0.1,\n \"name\": \"ü\"}");
        Path file = dir.resolve("all.safetensors");

        SafetensorsWriter.write(file, tensors, metadata);
        SafetensorsFile back = SafetensorsReader.read(file);

        assertThat(back.metadata()).containsExactlyEntriesOf(metadata);
        assertThat(back.tensors()).as("seed %d", seed).containsExactlyEntriesOf(tensors);
        assertThat(back.tensors().get("weights").toF32()).containsExactly(f);
        assertThat(back.tensors().get("longs").toI64()).containsExactly(Long.MIN_VALUE, -1, Long.MAX_VALUE);
        assertThat(back.tensors().get("ints").toI32()).containsExactly(Integer.MIN_VALUE, 7);
        assertThat(back.tensors().get("ints").toI64()).containsExactly(Integer.MIN_VALUE, 7);
        assertThat(back.tensors().get("bytes").toI64()).containsExactly(0, 1, 255);
        assertThat(back.tensors().get("doubles").toF64()).containsExactly(Math.PI, -1e-300);
        assertThat(back.tensors().get("scalar").shape()).isEmpty();
        assertThat(back.tensors().get("scalar").toTensor().get(0)).isEqualTo(2.5f);
        assertThat(back.tensors().get("empty2d").shape()).containsExactly(3, 0);

        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertThat((8 + n) % 8).as("data starts 8-byte aligned").isZero();
        long dataBytes = 48 + 16 + 24 + 8 + 3 + 0 + 0 + 4 + 1;
        assertThat(bytes.length).isEqualTo(8 + n + dataBytes);
        SafetensorsHeader header = SafetensorsReader.readHeader(file);
        assertThat(header.tensors()).extracting(TensorInfo::name).containsExactlyElementsOf(tensors.keySet());
        assertThat(header.tensor("ints")).isEqualTo(new TensorInfo("ints", DType.I32, new int[] {1, 2}, 88, 96));
    }

    @Test
    void writesExactlyTheBytesTheReferenceImplementationWrites() throws IOException {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("a", TensorData.f32(new float[] {1f, -2f}, 2));
        tensors.put("b", TensorData.i64(new long[] {3}));
        Path file = dir.resolve("x.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));

        // What safetensors.numpy.save_file({"a": ..., "b": ...}, metadata={"format": "pt"}) writes:
        // compact JSON, __metadata__ first, spaces up to a multiple of 8, then little-endian data.
        String header = "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]}}";
        ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putFloat(1f).putFloat(-2f).putLong(3);
        assertThat(Files.readAllBytes(file)).isEqualTo(fileBytes(header, data.array()));
    }

    @Test
    void readsAFileLaidOutAsPythonWouldWithHeaderOrderUnlikeDataOrder() throws IOException {
        // Python sorts data by dtype alignment then name, while its header may list names in any order.
        String header = "{\"small\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[24,26]},"
                + "\"__metadata__\":{\"format\":\"pt\"},"
                + "\"big\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"mid\":{\"dtype\":\"F32\",\"shape\":[2, 2],\"data_offsets\":[8,24]},"
                + "\"flags\":{\"dtype\":\"BOOL\",\"shape\":[0],\"data_offsets\":[26,26]}}";
        ByteBuffer data = ByteBuffer.allocate(26).order(ByteOrder.LITTLE_ENDIAN)
                .putDouble(-0.5).putFloat(1).putFloat(2).putFloat(3).putFloat(4).put((byte) 7).put((byte) 200);
        Path file = write("python.safetensors", fileBytes(header, data.array()));

        SafetensorsFile read = SafetensorsReader.read(file);

        assertThat(read.metadata()).containsExactly(Map.entry("format", "pt"));
        assertThat(read.tensors().keySet()).containsExactly("big", "mid", "small", "flags");
        assertThat(read.tensors().get("big").toF64()).containsExactly(-0.5);
        assertThat(read.tensors().get("mid").toTensor().shape()).containsExactly(2, 2);
        assertThat(read.tensors().get("mid").toF32()).containsExactly(1, 2, 3, 4);
        assertThat(read.tensors().get("small").toI64()).containsExactly(7, 200);
        assertThat(read.tensors().get("flags").dtype()).isEqualTo(DType.BOOL);
    }

    @Test
    void roundTripsLongMetadataValues() throws IOException {
        String config = "{\"note\": \"" + "ü漢\\n".repeat(50_000) + "\"}";
        Path file = dir.resolve("meta.safetensors");
        SafetensorsWriter.write(file, Map.of(), Map.of("sparrow.config", config));
        assertThat(SafetensorsReader.read(file).metadata()).containsExactly(Map.entry("sparrow.config", config));
    }

    @Test
    void acceptsNullMetadataAndAnEmptyFile() throws IOException {
        Path file = write("empty.safetensors", fileBytes("{\"__metadata__\":null}", new byte[0]));
        SafetensorsFile read = SafetensorsReader.read(file);
        assertThat(read.metadata()).isEmpty();
        assertThat(read.tensors()).isEmpty();
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "`[]`                                                                           | 0  | header is a JSON array; expected an object",
            "`hello`                                                                        | 0  | header is not valid JSON: expected a value",
            "`{\"a\":1`                                                                     | 0  | header is not valid JSON: expected ',' or '}'",
            "`{\"a\":5}`                                                                    | 0  | tensor 'a' is a JSON number; expected an object",
            "`{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}`               | 4  | tensor 'a': unknown dtype \"F33\"; expected one of",
            "`{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}`                                | 4  | tensor 'a': dtype is missing",
            "`{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}`              | 4  | tensor 'a': shape [-1] has -1 at index 0; expected a non-negative integer",
            "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}`             | 8  | tensor 'a': shape [2.0] has 2.0 at index 0; expected a non-negative integer",
            "`{\"a\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}`             | 8  | tensor 'a': shape is \"2\"; expected an array",
            "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483648,2147483648],\"data_offsets\":[0,4]}}` | 4  | tensor 'a': shape [2147483648,2147483648] has dimension 2147483648 at index 0; at most 2147483647",
            "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,4]}}` | 4  | tensor 'a': shape [2147483647, 2147483647, 2147483647] has more elements than a 64-bit count",
            "`{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,4]}}`    | 4  | tensor 'a': data_offsets [0, 4] span 4 bytes but F32 shape [65536, 65536] needs 17179869184",
            "`{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}`                | 8  | tensor 'a': data_offsets [0, 8] span 8 bytes but F32 shape [3] needs 12",
            "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}`                | 4  | tensor 'a': data_offsets [0, 8] ends beyond the data buffer of 4 bytes (file truncated?)",
            "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}`                | 8  | tensor 'a': data_offsets [8, 0] has begin > end",
            "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}`              | 8  | tensor 'a': data_offsets is [0,4,8]; expected [begin, end], two non-negative integers",
            "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}`               | 8  | tensor 'a': data_offsets is [-8,0]; expected [begin, end]",
            "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,18446744073709551616]}}` | 8  | tensor 'a': data_offsets is [0,1.8446744073709552E19]; expected [begin, end]",
            "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}`                                      | 8  | tensor 'a': data_offsets is missing",
            "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}`       | 8  | tensor 'a' has an unexpected field 'x'",
            "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}` | 12 | tensor 'b' at bytes [4, 12) overlaps tensor 'a' at [0, 8)",
            "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}` | 20 | data bytes [8, 12) before tensor 'b' belong to no tensor",
            "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}`               | 12 | data bytes [0, 4) before tensor 'a' belong to no tensor",
            "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}`                | 9  | data bytes [8, 9) at the end of the file belong to no tensor",
            "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}` | 8 | header is not valid JSON: duplicate key \"a\"",
            "`{\"__metadata__\":{\"epoch\":3}}`                                             | 0  | __metadata__ entry 'epoch' is a JSON number; expected a string",
            "`{\"__metadata__\":{\"nested\":{\"a\":\"b\"}}}`                                | 0  | __metadata__ entry 'nested' is a JSON object; expected a string",
            "`{\"__metadata__\":[\"a\"]}`                                                   | 0  | __metadata__ is a JSON array; expected an object of strings",
            "`{\"a\":[[[[[[[[[[1]]]]]]]]]]}`                                                | 0  | header is not valid JSON: expected at most 8 nested",
    })
    void rejectsHostileHeadersNamingTheFieldAndWhatWasExpected(String header, int dataBytes, String message) throws IOException {
        Path file = write("bad.safetensors", fileBytes(header, new byte[dataBytes]));
        assertThatThrownBy(() -> SafetensorsReader.read(file))
                .isInstanceOf(SafetensorsFormatException.class)
                .hasMessageStartingWith(file.toString() + ": ")
                .hasMessageContaining(message);
        assertThatThrownBy(() -> SafetensorsReader.readHeader(file)).isInstanceOf(SafetensorsFormatException.class);
    }

    @Test
    void boundsTheHeaderLengthBeforeAllocating() throws IOException {
        for (long n : new long[] {Long.MIN_VALUE /* 2^63 */, -1L /* 2^64 - 1 */, 100_000_001L}) {
            Path file = write("huge.safetensors", lengthThen(n, "{}".getBytes(StandardCharsets.US_ASCII)));
            assertThatThrownBy(() -> SafetensorsReader.read(file)).isInstanceOf(SafetensorsFormatException.class)
                    .hasMessageContaining("header length " + Long.toUnsignedString(n) + " exceeds the limit of 100000000 bytes");
        }
        Path longer = write("longer.safetensors", lengthThen(1000, "{}".getBytes(StandardCharsets.US_ASCII)));
        assertThatThrownBy(() -> SafetensorsReader.read(longer)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("header length 1000 exceeds the 2 bytes that follow the length field");
        Path tiny = write("tiny.safetensors", new byte[] {1, 0, 0});
        assertThatThrownBy(() -> SafetensorsReader.read(tiny)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("file has 3 bytes; expected at least the 8-byte header length");
    }

    @Test
    void rejectsHeadersThatAreNotUtf8() throws IOException {
        byte[] header = {'{', '"', (byte) 0xff, '"', ':', '1', '}', ' '};
        Path file = write("latin.safetensors", lengthThen(header.length, header));
        assertThatThrownBy(() -> SafetensorsReader.read(file)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("header is not valid UTF-8");
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        Path file = dir.resolve("t.safetensors");
        SafetensorsWriter.write(file, Map.of("w", TensorData.f32(new float[] {1, 2, 3, 4}, 4)), Map.of());
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        assertThatThrownBy(() -> SafetensorsReader.read(file)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("tensor 'w': data_offsets [0, 16] ends beyond the data buffer of 13 bytes (file truncated?)");
    }

    @Test
    void failedWriteKeepsTheOldFileAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, Map.of("w", TensorData.f32(new float[] {1, 2}, 2)), Map.of("v", "old"));
        byte[] before = Files.readAllBytes(file);

        Map<String, TensorSource> tensors = new LinkedHashMap<>();
        tensors.put("first", TensorData.f32(new float[1000], 1000));
        tensors.put("crashes", new TensorSource() {
            @Override public DType dtype() { return DType.F32; }
            @Override public int[] shape() { return new int[] {4}; }
            @Override public void writeTo(ByteBuffer out) {
                out.putFloat(1f);
                throw new IllegalStateException("simulated crash while writing");
            }
        });
        assertThatThrownBy(() -> SafetensorsWriter.write(file, tensors, Map.of("v", "new")))
                .isInstanceOf(IllegalStateException.class).hasMessage("simulated crash while writing");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        assertThat(listDir()).containsExactly(file);

        tensors.put("crashes", new TensorSource() {
            @Override public DType dtype() { return DType.F32; }
            @Override public int[] shape() { return new int[] {4}; }
            @Override public void writeTo(ByteBuffer out) { out.putFloat(1f); }
        });
        assertThatThrownBy(() -> SafetensorsWriter.write(file, tensors, Map.of()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("tensor 'crashes' wrote 4 of its 16 bytes");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        assertThat(listDir()).containsExactly(file);

        Path fresh = dir.resolve("fresh.safetensors");
        assertThatThrownBy(() -> SafetensorsWriter.write(fresh, tensors, Map.of())).isInstanceOf(IllegalStateException.class);
        assertThat(listDir()).containsExactly(file);
    }

    @Test
    void successfulWriteReplacesTheOldFile() throws IOException {
        Path file = dir.resolve("m.safetensors");
        SafetensorsWriter.write(file, Map.of("w", TensorData.f32(new float[] {1}, 1)), Map.of());
        SafetensorsWriter.write(file, Map.of("w", TensorData.f32(new float[] {5, 6}, 2)), Map.of());
        assertThat(SafetensorsReader.read(file).tensors().get("w").toF32()).containsExactly(5, 6);
        assertThat(listDir()).containsExactly(file);
    }

    @Test
    void writerRejectsBadArguments() {
        Path file = dir.resolve("a.safetensors");
        TensorData t = TensorData.f32(new float[] {1}, 1);
        assertThatThrownBy(() -> SafetensorsWriter.write(file, Map.of("__metadata__", t), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be named __metadata__");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("k", null);
        assertThatThrownBy(() -> SafetensorsWriter.write(file, Map.of("a", t), meta))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("metadata 'k' has a null value");
        assertThatThrownBy(() -> SafetensorsWriter.write(dir.resolve("no/such/dir/a.safetensors"), Map.of("a", t), Map.of()))
                .isInstanceOf(IOException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> TensorData.f32(new float[3], 2, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("values has 3 elements but shape [2, 2] needs 4");
    }

    @Test
    void conversionsRejectTheWrongDtype() {
        TensorData t = TensorData.i64(new long[] {1}, 1);
        assertThatThrownBy(t::toF32).isInstanceOf(IllegalStateException.class).hasMessage("tensor is I64[1]; expected F32");
        assertThatThrownBy(t::toU8).hasMessage("tensor is I64[1]; expected U8 or BOOL");
    }

    private List<Path> listDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    /** A safetensors file as the spec describes it: header padded with spaces to a multiple of 8, then data. */
    static byte[] fileBytes(String headerJson, byte[] data) {
        byte[] json = headerJson.getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] header = java.util.Arrays.copyOf(json, padded);
        java.util.Arrays.fill(header, json.length, padded, (byte) ' ');
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(lengthThen(padded, header));
        out.writeBytes(data);
        return out.toByteArray();
    }

    private static byte[] lengthThen(long length, byte[] rest) {
        ByteBuffer b = ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(length).put(rest);
        return b.array();
    }
}
