#include "tensorfile/PickleMachine.h"

#include "tensorfile/LittleEndian.h"

#include <bit>
#include <cstdio>
#include <cstring>
#include <unordered_map>

namespace hdr::tensorfile {
using core::ErrorCode;

namespace {

constexpr std::size_t kMaxGlobalName = 4096;
constexpr int kHighestProtocol = 5;

class Machine {
public:
    Machine(std::span<const std::byte> bytes, PickleArena& arena, PickleHooks& hooks, const std::string& name)
        : m_bytes(bytes)
        , m_arena(arena)
        , m_hooks(hooks)
        , m_name(name)
    {
    }

    PickleResult run()
    {
        while (true) {
            m_opStart = m_pos;
            const auto op = static_cast<std::uint8_t>(*take(1));
            if (op == '.') { // STOP
                return {pop(), m_pos};
            }
            step(op);
        }
    }

private:
    [[noreturn]] void fail(const std::string& what, ErrorCode code = ErrorCode::CorruptData) const
    {
        core::throwError(code, what + " (byte " + std::to_string(m_opStart) + " of " + m_name + ")");
    }

    const std::byte* take(std::uint64_t n)
    {
        if (n > m_bytes.size() - m_pos) {
            fail("the pickle ends early (truncated file?)");
        }
        const std::byte* p = m_bytes.data() + m_pos;
        m_pos += static_cast<std::size_t>(n);
        return p;
    }
    std::uint64_t readUnsigned(int bytes) { return readLittleEndian(take(bytes), bytes); }

    std::size_t markBase() const { return m_marks.empty() ? 0 : m_marks.back(); }
    void push(PickleValue* value)
    {
        if (m_stack.size() >= m_arena.maxValues()) {
            fail("the pickle's stack grows past the limit", ErrorCode::LimitExceeded);
        }
        m_stack.push_back(value);
    }
    PickleValue* pop()
    {
        if (m_stack.size() <= markBase()) {
            fail("the pickle pops from an empty stack");
        }
        PickleValue* v = m_stack.back();
        m_stack.pop_back();
        return v;
    }
    PickleValue* top()
    {
        if (m_stack.size() <= markBase()) {
            fail("the pickle reads from an empty stack");
        }
        return m_stack.back();
    }
    std::size_t popMark()
    {
        if (m_marks.empty()) {
            fail("the pickle has no MARK where one is needed");
        }
        const std::size_t mark = m_marks.back();
        m_marks.pop_back();
        return mark;
    }

    PickleValue* text(PickleKind kind, std::uint64_t length)
    {
        const std::byte* p = take(length);
        PickleValue* v = m_arena.make(kind);
        v->text.assign(reinterpret_cast<const char*>(p), static_cast<std::size_t>(length));
        return v;
    }
    PickleValue* integer(std::int64_t n)
    {
        PickleValue* v = m_arena.make(PickleKind::Int);
        v->integer = n;
        return v;
    }
    // LONG1 / LONG4: little-endian two's complement of any length.
    PickleValue* longInteger(std::uint64_t length)
    {
        if (length <= 8) {
            std::uint64_t raw = length ? readUnsigned(static_cast<int>(length)) : 0;
            if (length > 0 && length < 8 && (raw >> (8 * length - 1)) != 0) {
                raw |= ~std::uint64_t{0} << (8 * length); // sign-extend
            }
            return integer(static_cast<std::int64_t>(raw));
        }
        return text(PickleKind::BigInt, length);
    }
    // Moves the stack above `from` into a new tuple/list.
    PickleValue* sequence(PickleKind kind, std::size_t from)
    {
        PickleValue* v = m_arena.make(kind);
        v->items.assign(m_stack.begin() + static_cast<std::ptrdiff_t>(from), m_stack.end());
        m_stack.resize(from);
        return v;
    }
    void extend(PickleKind kind, std::size_t mark)
    {
        if (mark <= markBase() || mark > m_stack.size()) {
            fail("the pickle adds items with no container below them");
        }
        PickleValue* target = m_stack[mark - 1];
        if (!target->is(kind)) {
            fail(std::string("the pickle adds items to a ") + nameOf(target->kind) + ", not a " +
                 nameOf(kind));
        }
        if (kind == PickleKind::Dict && (m_stack.size() - mark) % 2 != 0) {
            fail("the pickle sets a dictionary key without a value");
        }
        target->items.insert(
            target->items.end(), m_stack.begin() + static_cast<std::ptrdiff_t>(mark), m_stack.end());
        m_stack.resize(mark);
    }
    void memoPut(std::uint64_t index)
    {
        if (m_memo.size() >= m_arena.maxValues()) {
            fail("the pickle's memo grows past the limit", ErrorCode::LimitExceeded);
        }
        m_memo[index] = top();
    }
    void memoGet(std::uint64_t index)
    {
        const auto it = m_memo.find(index);
        if (it == m_memo.end()) {
            fail("the pickle reads memo entry " + std::to_string(index) + ", which it never stored");
        }
        push(it->second);
    }
    std::string line()
    {
        const std::size_t start = m_pos;
        while (m_pos < m_bytes.size() && m_bytes[m_pos] != std::byte{'\n'}) {
            if (m_pos - start > kMaxGlobalName) {
                fail("the pickle names a global longer than " + std::to_string(kMaxGlobalName) + " bytes");
            }
            ++m_pos;
        }
        take(1);
        return std::string(reinterpret_cast<const char*>(m_bytes.data() + start), m_pos - 1 - start);
    }
    PickleValue* containerOnTop(PickleKind kind)
    {
        PickleValue* target = top();
        if (!target->is(kind)) {
            fail(std::string("the pickle adds items to a ") + nameOf(target->kind) + ", not a " +
                 nameOf(kind));
        }
        return target;
    }
    PickleValue* popKind(PickleKind kind, const char* role)
    {
        PickleValue* v = pop();
        if (!v->is(kind)) {
            fail(std::string("the pickle gives a ") + nameOf(v->kind) + " as " + role);
        }
        return v;
    }

    void step(std::uint8_t op);

    std::span<const std::byte> m_bytes;
    PickleArena& m_arena;
    PickleHooks& m_hooks;
    const std::string& m_name;
    std::size_t m_pos = 0;
    std::size_t m_opStart = 0;
    std::vector<PickleValue*> m_stack;
    std::vector<std::size_t> m_marks; // stack sizes at each MARK
    std::unordered_map<std::uint64_t, PickleValue*> m_memo;
};

void Machine::step(std::uint8_t op)
{
    switch (op) {
    case 0x80: // PROTO
        if (static_cast<int>(readUnsigned(1)) > kHighestProtocol) {
            fail("the pickle uses a protocol newer than 5", ErrorCode::UnsupportedFormat);
        }
        break;
    case 0x95: take(8); break; // FRAME: a read-ahead hint only
    case '(':                  // MARK
        if (m_marks.size() >= m_arena.maxValues()) {
            fail("the pickle sets too many marks", ErrorCode::LimitExceeded);
        }
        m_marks.push_back(m_stack.size());
        break;
    case '0': // POP
        if (m_stack.size() > markBase()) {
            pop();
        } else {
            popMark();
        }
        break;
    case '1': m_stack.resize(popMark()); break; // POP_MARK
    case '2': push(top()); break;               // DUP
    case 'N': push(m_arena.make(PickleKind::None)); break;
    case 0x88: // NEWTRUE
    case 0x89: // NEWFALSE
    {
        PickleValue* v = m_arena.make(PickleKind::Bool);
        v->integer = op == 0x88 ? 1 : 0;
        push(v);
        break;
    }
    case 'J': push(integer(static_cast<std::int32_t>(readUnsigned(4)))); break; // BININT
    case 'K': push(integer(static_cast<std::int64_t>(readUnsigned(1)))); break; // BININT1
    case 'M': push(integer(static_cast<std::int64_t>(readUnsigned(2)))); break; // BININT2
    case 0x8a: push(longInteger(readUnsigned(1))); break;                       // LONG1
    case 0x8b: {                                                                // LONG4
        const auto length = static_cast<std::int32_t>(readUnsigned(4));
        if (length < 0) {
            fail("the pickle has a negative integer length");
        }
        push(longInteger(static_cast<std::uint64_t>(length)));
        break;
    }
    case 'G': { // BINFLOAT: big-endian IEEE double
        std::uint64_t raw = 0;
        for (const std::byte* p = take(8); p != m_bytes.data() + m_pos; ++p) {
            raw = (raw << 8) | static_cast<std::uint8_t>(*p);
        }
        PickleValue* v = m_arena.make(PickleKind::Float);
        v->real = std::bit_cast<double>(raw);
        push(v);
        break;
    }
    case 0x8c: push(text(PickleKind::String, readUnsigned(1))); break; // SHORT_BINUNICODE
    case 'X': push(text(PickleKind::String, readUnsigned(4))); break;  // BINUNICODE
    case 0x8d: push(text(PickleKind::String, readUnsigned(8))); break; // BINUNICODE8
    case 'U': push(text(PickleKind::String, readUnsigned(1))); break;  // SHORT_BINSTRING (Python 2 str)
    case 'T': {                                                        // BINSTRING
        const auto length = static_cast<std::int32_t>(readUnsigned(4));
        if (length < 0) {
            fail("the pickle has a negative string length");
        }
        push(text(PickleKind::String, static_cast<std::uint64_t>(length)));
        break;
    }
    case 'C': push(text(PickleKind::Bytes, readUnsigned(1))); break;  // SHORT_BINBYTES
    case 'B': push(text(PickleKind::Bytes, readUnsigned(4))); break;  // BINBYTES
    case 0x8e: push(text(PickleKind::Bytes, readUnsigned(8))); break; // BINBYTES8
    case ')': push(m_arena.make(PickleKind::Tuple)); break;           // EMPTY_TUPLE
    case ']': push(m_arena.make(PickleKind::List)); break;            // EMPTY_LIST
    case '}': push(m_arena.make(PickleKind::Dict)); break;            // EMPTY_DICT
    case 't': {                                                       // TUPLE
        const std::size_t mark = popMark();
        push(sequence(PickleKind::Tuple, mark));
        break;
    }
    case 0x85: // TUPLE1
    case 0x86: // TUPLE2
    case 0x87: // TUPLE3
    {
        const std::size_t count = op - 0x84u;
        if (m_stack.size() < markBase() + count) {
            fail("the pickle builds a tuple from an empty stack");
        }
        push(sequence(PickleKind::Tuple, m_stack.size() - count));
        break;
    }
    case 'l': { // LIST
        const std::size_t mark = popMark();
        push(sequence(PickleKind::List, mark));
        break;
    }
    case 'd': { // DICT
        const std::size_t mark = popMark();
        if ((m_stack.size() - mark) % 2 != 0) {
            fail("the pickle sets a dictionary key without a value");
        }
        push(sequence(PickleKind::Dict, mark));
        break;
    }
    case 'a': { // APPEND
        PickleValue* value = pop();
        containerOnTop(PickleKind::List)->items.push_back(value);
        break;
    }
    case 'e': extend(PickleKind::List, popMark()); break; // APPENDS
    case 's': {                                           // SETITEM
        PickleValue* value = pop();
        PickleValue* key = pop();
        PickleValue* dict = containerOnTop(PickleKind::Dict);
        dict->items.push_back(key);
        dict->items.push_back(value);
        break;
    }
    case 'u': extend(PickleKind::Dict, popMark()); break; // SETITEMS
    case 'q': memoPut(readUnsigned(1)); break;            // BINPUT
    case 'r': memoPut(readUnsigned(4)); break;            // LONG_BINPUT
    case 0x94: memoPut(m_memo.size()); break;             // MEMOIZE
    case 'h': memoGet(readUnsigned(1)); break;            // BINGET
    case 'j': memoGet(readUnsigned(4)); break;            // LONG_BINGET
    case 'c': {                                           // GLOBAL
        const std::string module = line();
        const std::string name = line();
        push(m_hooks.findGlobal(module, name, m_arena));
        break;
    }
    case 0x93: { // STACK_GLOBAL
        const std::string name = popKind(PickleKind::String, "a global's name")->text;
        const std::string module = popKind(PickleKind::String, "a global's module")->text;
        push(m_hooks.findGlobal(module, name, m_arena));
        break;
    }
    case 'R': { // REDUCE
        const PickleValue* args = popKind(PickleKind::Tuple, "call arguments");
        const PickleValue* callable = pop();
        push(m_hooks.call(*callable, *args, m_arena));
        break;
    }
    case 0x81: // NEWOBJ
    case 0x92: // NEWOBJ_EX
    {
        if (op == 0x92 && popKind(PickleKind::Dict, "keyword arguments")->dictSize() != 0) {
            fail("the pickle creates an object with keyword arguments", ErrorCode::UnsupportedFormat);
        }
        const PickleValue* args = popKind(PickleKind::Tuple, "constructor arguments");
        const PickleValue* cls = pop();
        push(m_hooks.newObject(*cls, *args, m_arena));
        break;
    }
    case 'b': { // BUILD
        const PickleValue* state = pop();
        m_hooks.build(*top(), *state);
        break;
    }
    case 'Q': { // BINPERSID
        const PickleValue* pid = pop();
        push(m_hooks.persistentLoad(*pid, m_arena));
        break;
    }
    default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        fail(std::string("the pickle uses opcode ") + hex + ", which a weights-only reader does not run",
             ErrorCode::UnsupportedFormat);
    }
    }
}

} // namespace

PickleResult
runPickle(std::span<const std::byte> bytes, PickleArena& arena, PickleHooks& hooks, const std::string& name)
{
    return Machine(bytes, arena, hooks, name).run();
}

} // namespace hdr::tensorfile
