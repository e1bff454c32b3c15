package org.wispwar.wisp.protocol;

/**
 * One extension record of an INFO packet: {@code u8 id | u32 LE length | payload} (wisp-protocol.md §9). The payload
 * layout depends on who sent it, so the password and key extensions have a server and a client form.
 */
public sealed interface Extension
        permits UdpExtension, PasswordExtension, KeyAuthExtension, MotdExtension, StreamConfirmExtension,
        UnknownExtension {
    int UDP = 0x01;
    int PASSWORD = 0x02;
    int KEY_AUTH = 0x03;
    int MOTD = 0x04;
    int STREAM_CONFIRM = 0x05;

    /** The extension id byte. */
    int id();
}
