package org.wispwar.wisp.bench;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.wispwar.wisp.protocol.Close;
import org.wispwar.wisp.protocol.CloseReason;
import org.wispwar.wisp.protocol.Connect;
import org.wispwar.wisp.protocol.Continue;
import org.wispwar.wisp.protocol.Data;
import org.wispwar.wisp.protocol.Role;
import org.wispwar.wisp.protocol.StreamType;
import org.wispwar.wisp.protocol.WispCodec;
import org.wispwar.wisp.protocol.WispPacket;
import org.wispwar.wisp.protocol.WispProtocolException;

/**
 * JMH benchmark of {@link WispCodec}: decode and encode throughput, and (with {@code -prof gc}) allocation per packet
 * ({@code gc.alloc.rate.norm}). Packet shapes are the ones the server handles most: wispmark's 51,205-byte DATA, a small
 * DATA, CONNECT, CONTINUE, CLOSE, and the server's zero-copy DATA header write.
 *
 * <pre>mvn -Pbench package -Dbench.jmh   (runs org.openjdk.jmh.Main CodecBenchmark -prof gc)</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
    private ByteBuffer data50k;
    private ByteBuffer data64;
    private ByteBuffer connect;
    private ByteBuffer continueFrame;
    private ByteBuffer close;
    private Data outgoing32k;
    private Continue outgoingContinue;
    private Close outgoingClose;
    private byte[] readBuffer;

    @Setup
    public void setUp() {
        data50k = WispCodec.encode(new Data(7, ByteBuffer.allocate(50 * 1024)));
        data64 = WispCodec.encode(new Data(7, ByteBuffer.allocate(64)));
        connect = WispCodec.encode(new Connect(7, StreamType.TCP, 443, "example.com"));
        continueFrame = WispCodec.encode(new Continue(7, 128));
        close = WispCodec.encode(new Close(7, CloseReason.VOLUNTARY));
        outgoing32k = new Data(7, ByteBuffer.allocate(32 * 1024));
        outgoingContinue = new Continue(7, 64);
        outgoingClose = new Close(7, CloseReason.VOLUNTARY);
        readBuffer = new byte[WispCodec.HEADER_LENGTH + 32 * 1024];
    }

    @Benchmark
    public WispPacket decodeData50k() throws WispProtocolException {
        return WispCodec.decode(data50k, Role.CLIENT);
    }

    @Benchmark
    public WispPacket decodeData64() throws WispProtocolException {
        return WispCodec.decode(data64, Role.CLIENT);
    }

    @Benchmark
    public WispPacket decodeConnect() throws WispProtocolException {
        return WispCodec.decode(connect, Role.CLIENT);
    }

    @Benchmark
    public WispPacket decodeContinue() throws WispProtocolException {
        return WispCodec.decode(continueFrame, Role.SERVER);
    }

    @Benchmark
    public WispPacket decodeClose() throws WispProtocolException {
        return WispCodec.decode(close, Role.CLIENT);
    }

    /** The generic encoder on a 32 KiB DATA: allocates and copies the payload (the server's -down path avoids it). */
    @Benchmark
    public ByteBuffer encodeData32k() {
        return WispCodec.encode(outgoing32k);
    }

    @Benchmark
    public ByteBuffer encodeContinue() {
        return WispCodec.encode(outgoingContinue);
    }

    @Benchmark
    public ByteBuffer encodeClose() {
        return WispCodec.encode(outgoingClose);
    }

    /** What -down does per packet: the header into the stream's reused read buffer. No allocation. */
    @Benchmark
    public byte[] writeDataHeader() {
        WispCodec.writeDataHeader(readBuffer, 0, 7);
        return readBuffer;
    }
}
